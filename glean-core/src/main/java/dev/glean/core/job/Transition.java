package dev.glean.core.job;

import java.util.List;

/** The answer of {@link JobStateMachine}: a change with its side effects, or why nothing changed. */
public sealed interface Transition {
    record Changed(Task before, Task after, List<SideEffect> effects, String reason) implements Transition {
        public Changed {
            effects = List.copyOf(effects);
        }
    }

    /** Harmless repetition (a duplicate report, a late exit of an ended task): nothing to do. */
    record Ignored(String why) implements Transition {}

    /** The event makes no sense in this state; the caller reports it (e.g. 409) rather than throwing. */
    record Illegal(JobState state, String message) implements Transition {}
}
