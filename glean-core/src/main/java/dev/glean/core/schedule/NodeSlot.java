package dev.glean.core.schedule;

/**
 * A usable node during one scheduling cycle: its admission limits, the room left under them (negative when more is
 * promised than lent now, as when the incumbents grew: then nothing fits, as {@link CapacityEstimator#admits} says),
 * and where it sits in the cycle's {@link RoomGrid}s. Its rooms change only while it is out of every grid.
 */
final class NodeSlot {
    final int id;
    final NodeView view;
    final long cpuLimit;
    final long memLimit;
    final int tier;
    long cpuRoom;
    long memRoom;
    TaskKey reservedFor;
    private RoomGrid[] grids = new RoomGrid[2];
    private int[] cells = new int[2];
    private int[] positions = new int[2];
    private int count;

    NodeSlot(int id, NodeView view, long cpuLimit, long memLimit, int tier) {
        this.id = id;
        this.view = view;
        this.cpuLimit = cpuLimit;
        this.memLimit = memLimit;
        this.tier = tier;
        this.cpuRoom = cpuLimit - view.allocated().cpu().value();
        this.memRoom = memLimit - view.allocated().memory().value();
    }

    boolean fits(long cpu, long mem) {
        return cpu <= cpuRoom && mem <= memRoom;
    }

    /** Takes {@code cpu} and {@code mem} of the room, moving the node to its new cells. */
    void take(long cpu, long mem) {
        RoomGrid[] in = java.util.Arrays.copyOf(grids, count);
        for (RoomGrid g : in) {
            g.remove(this);
        }
        cpuRoom -= cpu;
        memRoom -= mem;
        for (RoomGrid g : in) {
            g.add(this);
        }
    }

    /** Leaves every grid for good (the node is reserved for one task). */
    void leaveAll() {
        RoomGrid[] in = java.util.Arrays.copyOf(grids, count);
        for (RoomGrid g : in) {
            g.remove(this);
        }
    }

    void joined(RoomGrid g, int cell, int position) {
        if (count == grids.length) {
            grids = java.util.Arrays.copyOf(grids, count * 2);
            cells = java.util.Arrays.copyOf(cells, count * 2);
            positions = java.util.Arrays.copyOf(positions, count * 2);
        }
        grids[count] = g;
        cells[count] = cell;
        positions[count] = position;
        count++;
    }

    void left(RoomGrid g) {
        int k = indexOf(g);
        count--;
        grids[k] = grids[count];
        cells[k] = cells[count];
        positions[k] = positions[count];
        grids[count] = null;
    }

    int cellIn(RoomGrid g) {
        return cells[indexOf(g)];
    }

    int positionIn(RoomGrid g) {
        return positions[indexOf(g)];
    }

    void movedTo(RoomGrid g, int position) {
        positions[indexOf(g)] = position;
    }

    private int indexOf(RoomGrid g) {
        for (int k = 0; k < count; k++) {
            if (grids[k] == g) {
                return k;
            }
        }
        throw new IllegalStateException("node " + view.name() + " is not in this grid");
    }
}
