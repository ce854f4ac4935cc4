package dev.glean.controller.jobs;

import dev.glean.core.job.Job;
import dev.glean.core.job.JobSpec;
import dev.glean.core.job.Task;
import dev.glean.core.protocol.Launch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Turns a placed task into what its node must run: {index} substituted, GLEAN_* variables set. */
public final class Launches {
    private Launches() {}

    public static Launch of(Job job, Task task) {
        JobSpec s = job.spec();
        String idx = Integer.toString(task.index());
        List<String> cmd = new ArrayList<>(s.command().size());
        for (String a : s.command()) {
            cmd.add(a.replace("{index}", idx));
        }
        Map<String, String> env = new HashMap<>(s.env());
        env.put("GLEAN_JOB_ID", job.id());
        env.put("GLEAN_TASK_INDEX", idx);
        env.put("GLEAN_ATTEMPT", Integer.toString(task.attempts()));
        env.put("GLEAN_CPUS", s.cpu().toString());
        return new Launch(task.attemptId(), job.id(), task.index(), task.attempts(), cmd, env, s.cpu(), s.memory(), s.image(),
                s.volumes(), s.timeout(), s.priority());
    }
}
