// Jasmine's globals for the specs (the runner installs them; see test/runner.js).
/// <reference types="jasmine" />
