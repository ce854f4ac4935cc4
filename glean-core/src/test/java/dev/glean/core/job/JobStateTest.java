package dev.glean.core.job;

import static dev.glean.core.job.JobState.CANCELLED;
import static dev.glean.core.job.JobState.FAILED;
import static dev.glean.core.job.JobState.PLACED;
import static dev.glean.core.job.JobState.QUEUED;
import static dev.glean.core.job.JobState.RUNNING;
import static dev.glean.core.job.JobState.SUCCEEDED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class JobStateTest {
    @Test
    void arrayIsTerminalOnlyWhenAllTasksAre() {
        assertEquals(RUNNING, JobState.aggregate(List.of(SUCCEEDED, RUNNING, QUEUED)));
        assertEquals(PLACED, JobState.aggregate(List.of(SUCCEEDED, PLACED, QUEUED)));
        assertEquals(QUEUED, JobState.aggregate(List.of(SUCCEEDED, QUEUED)));
    }

    @Test
    void arraySucceedsOnlyIfAllSucceeded() {
        assertEquals(SUCCEEDED, JobState.aggregate(List.of(SUCCEEDED, SUCCEEDED)));
        assertEquals(FAILED, JobState.aggregate(List.of(SUCCEEDED, FAILED)));
        assertEquals(FAILED, JobState.aggregate(List.of(CANCELLED, FAILED)));
        assertEquals(CANCELLED, JobState.aggregate(List.of(SUCCEEDED, CANCELLED)));
    }

    @Test
    void singleTaskJobHasItsTasksState() {
        for (JobState s : JobState.values()) {
            assertEquals(s, JobState.aggregate(List.of(s)));
        }
    }
}
