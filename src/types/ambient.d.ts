// Type-only imports that declare the gi://, resource:// and GJS globals for every source file.
import '@girs/gjs';
import '@girs/gjs/ambient';
import '@girs/gjs/dom';
import '@girs/gnome-shell/ambient';
import '@girs/gnome-shell/extensions/global';
import '@girs/soup-3.0/ambient';
import '@girs/adw-1/ambient';
import '@girs/gtk-4.0/ambient';
