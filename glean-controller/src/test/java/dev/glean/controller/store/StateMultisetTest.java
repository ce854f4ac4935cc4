package dev.glean.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glean.core.job.JobState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StateMultisetTest {
    /** The store computes a job's state from counts; it must be what the core computes from the tasks. */
    @Test
    void aggregateOfCountsEqualsAggregateOfTasks() {
        Random r = new Random(7);
        JobState[] all = JobState.values();
        for (int round = 0; round < 20_000; round++) {
            List<JobState> tasks = new ArrayList<>();
            int n = r.nextInt(6);
            int kinds = 1 + r.nextInt(all.length);
            for (int i = 0; i < n; i++) {
                tasks.add(all[r.nextInt(kinds)]);
            }
            Collections.shuffle(tasks, r);
            Map<JobState, Integer> counts = new EnumMap<>(JobState.class);
            tasks.forEach(s -> counts.merge(s, 1, Integer::sum));
            if (r.nextBoolean()) {
                counts.putIfAbsent(all[r.nextInt(all.length)], 0); // the store keeps rows whose count fell to 0
            }
            StateMultiset m = new StateMultiset(counts);
            assertEquals(tasks.size(), m.size());
            assertEquals(JobState.aggregate(tasks), JobState.aggregate(m), tasks.toString());
        }
    }
}
