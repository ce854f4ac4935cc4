package dev.glean.controller.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glean.api.JobSpecJson;
import dev.glean.api.WireJson;
import dev.glean.core.job.Attempt;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobState;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The job object of the REST API (fields fixed by "Interfaces" in DESIGN.md). */
public final class JobJson {
    private JobJson() {}

    public static ObjectNode job(Job j, boolean held, List<Attempt> attempts, List<Event> events) {
        ObjectNode o = WireJson.mapper().createObjectNode();
        o.put("id", j.id());
        o.put("name", j.spec().name());
        o.put("tenant", j.spec().tenant());
        JobState state = j.state();
        o.put("state", state.name());
        o.put("held", held);
        Integer code = j.exitCode();
        if (code == null) {
            o.putNull("exitCode");
        } else {
            o.put("exitCode", code);
        }
        putNullable(o, "node", j.node());
        time(o, "submittedAt", j.submittedAt());
        time(o, "startedAt", j.startedAt());
        time(o, "finishedAt", j.finishedAt());
        o.put("cpu", j.spec().cpu().cores());
        o.put("memoryBytes", j.spec().memory().value());
        o.put("priority", j.spec().priority());
        ObjectNode tasks = o.putObject("tasks");
        tasks.put("total", j.tasks().size());
        for (Map.Entry<JobState, Integer> e : j.taskCounts().entrySet()) {
            tasks.put(e.getKey().name(), e.getValue());
        }
        String reason = j.tasks().size() == 1 ? j.tasks().get(0).reason() : null;
        putNullable(o, "reason", reason);
        ArrayNode at = o.putArray("attempts");
        for (Attempt a : attempts) {
            ObjectNode x = at.addObject();
            x.put("task", a.index());
            x.put("attempt", a.number());
            putNullable(x, "node", a.node());
            x.put("state", a.state().name());
            if (a.exitCode() == null) {
                x.putNull("exitCode");
            } else {
                x.put("exitCode", a.exitCode());
            }
            time(x, "placedAt", a.placedAt());
            time(x, "startedAt", a.startedAt());
            time(x, "finishedAt", a.finishedAt());
            putNullable(x, "reason", a.reason());
        }
        if (events != null) {
            ArrayNode ev = o.putArray("events");
            events.forEach(e -> ev.add(event(e)));
        }
        o.set("spec", JobSpecJson.write(j.spec()));
        return o;
    }

    public static ObjectNode event(Event e) {
        ObjectNode o = WireJson.mapper().createObjectNode();
        o.put("seq", e.seq());
        time(o, "at", e.at());
        o.put("type", e.type());
        putNullable(o, "job", e.jobId());
        if (e.taskIndex() != null) {
            o.put("task", e.taskIndex());
        }
        if (e.attempt() != null) {
            o.put("attempt", e.attempt());
        }
        putNullable(o, "node", e.node());
        if (e.from() != null) {
            o.put("from", e.from().name());
        }
        if (e.to() != null) {
            o.put("to", e.to().name());
        }
        putNullable(o, "reason", e.reason());
        if (!e.data().isEmpty()) {
            ObjectNode d = o.putObject("data");
            new java.util.TreeMap<>(e.data()).forEach(d::put);
        }
        return o;
    }

    static void time(ObjectNode o, String field, Instant t) {
        if (t == null) {
            o.putNull(field);
        } else {
            o.put(field, t.toString());
        }
    }

    static void putNullable(ObjectNode o, String field, String v) {
        if (v == null) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }
}
