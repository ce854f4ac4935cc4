package dev.glean.controller.nodes;

import dev.glean.controller.ChangeFeed;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.Event;
import dev.glean.core.job.Task;
import dev.glean.core.node.Node;
import dev.glean.core.store.Storage;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an admin does to a node: drain it (no new work; its running tasks are stopped and go back to the queue once
 * the node reports them ended, spending no retry) and uncordon it. The cordon is durable; a drain's stops are not
 * (after a controller restart a cordoned node's remaining tasks keep running until drained again).
 */
public final class NodeAdmin {
    private final Storage storage;
    private final NodeRegistry registry;
    private final ChangeFeed feed;
    private final Clock clock;
    private final Runnable wake;

    public NodeAdmin(Storage storage, NodeRegistry registry, ChangeFeed feed, Clock clock, Runnable wake) {
        this.storage = storage;
        this.registry = registry;
        this.feed = feed;
        this.clock = clock;
        this.wake = wake;
    }

    /** What a drain did: the node as it is now and the attempts asked to stop. */
    public record Drained(Node node, List<String> stopping) {}

    public Drained drain(String name, String by) {
        Instant now = clock.instant();
        String why = "drained: node " + name + " drained by " + by;
        record Result(Node node, List<AttemptStop> stops) {}
        Result r = storage.write(tx -> {
            Node n = tx.node(name).orElseThrow(() -> GleanException.notFound("no node named '" + name + "'"));
            Node cordoned = n.withCordoned(true);
            List<AttemptStop> stops = new ArrayList<>();
            for (Task t : tx.tasksOnNode(name)) {
                if (t.state().onNode() && !registry.isStopping(name, t.attemptId())) {
                    AttemptStop s = new AttemptStop(name, t, why);
                    stops.add(s);
                    tx.append(s.event("draining", now, Map.of()));
                }
            }
            if (!n.cordoned()) {
                tx.upsertNode(cordoned);
            }
            tx.append(Event.node(now, "node-drained", name, "drained by " + by + ": no new work; " + stops.size()
                    + " running task(s) stopped and requeued"));
            return new Result(cordoned, stops);
        });
        AttemptStop.apply(r.stops(), registry, now);
        feed.bumpNode(name);
        feed.bump();
        return new Drained(r.node(), r.stops().stream().map(AttemptStop::attemptId).toList());
    }

    public Node uncordon(String name, String by) {
        Instant now = clock.instant();
        Node n = storage.write(tx -> {
            Node old = tx.node(name).orElseThrow(() -> GleanException.notFound("no node named '" + name + "'"));
            Node open = old.withCordoned(false);
            if (old.cordoned()) {
                tx.upsertNode(open);
                tx.append(Event.node(now, "node-uncordoned", name, "uncordoned by " + by + ": takes new work again"));
            }
            return open;
        });
        feed.bump();
        wake.run();
        return n;
    }
}
