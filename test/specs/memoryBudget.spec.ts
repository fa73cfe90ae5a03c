import {MemoryBudget, residentBytes} from '../../src/core/logs/memoryBudget.js';

const MB = 1024 * 1024;

describe('the memory budget of a log reader', () => {
    it('collects only when the next file would take the process past its budget, measuring the room after each collection', () => {
        const resident = [40 * MB, 50 * MB]; // at the start, then after the collection
        let collected = 0;
        const memory = new MemoryBudget({collect: () => collected++, budgetBytes: 56 * MB, fixedRoomBytes: MB,
            resident: () => resident.shift() ?? 50 * MB});
        memory.take(10 * MB);
        memory.take(6 * MB); // 16 MB of room: just fits
        expect(collected).toBe(0);
        memory.take(1);
        expect(collected).toBe(1);
        memory.take(6 * MB - 1); // 6 MB of room now
        expect(collected).toBe(1);
        memory.take(1);
        expect([collected, memory.collections]).toEqual([2, 2]);
    });

    it('leaves at least a few megabytes of room, and at most 16, whatever the rest of the process takes', () => {
        let collected = 0;
        const full = new MemoryBudget({collect: () => collected++, budgetBytes: 56 * MB, fixedRoomBytes: MB, resident: () => 90 * MB});
        full.take(4 * MB);
        expect(collected).toBe(0);
        full.take(1);
        expect(collected).toBe(1);
        const empty = new MemoryBudget({collect: () => collected++, budgetBytes: 56 * MB, fixedRoomBytes: MB, resident: () => 0});
        empty.take(16 * MB);
        empty.take(1);
        expect(collected).toBe(2);
    });

    it('maps a file larger than any room after a collection, and uses a fixed room where the resident size is unknown', () => {
        let collected = 0;
        const memory = new MemoryBudget({collect: () => collected++, budgetBytes: 56 * MB, fixedRoomBytes: 2 * MB, resident: () => null});
        memory.take(100 * MB); // nothing held yet: nothing to free first
        expect(collected).toBe(0);
        memory.take(1);
        expect(collected).toBe(1);
        memory.take(2 * MB - 1);
        expect(collected).toBe(1);
        memory.take(1);
        expect(collected).toBe(2);
        const unlimited = MemoryBudget.unlimited();
        unlimited.take(1e15);
        unlimited.take(1e15);
        expect(unlimited.collections).toBe(0);
    });

    it('reads the resident size of this process', () => {
        const bytes = residentBytes();
        expect(bytes).toBeGreaterThan(MB);
        expect(bytes).toBeLessThan(64 * 1024 * MB);
    });
});
