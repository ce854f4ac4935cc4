package dev.glean.agent.runtime;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.core.resources.Bytes;
import dev.glean.core.runtime.ContainerInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Run in a child JVM by {@link RuncRuntimeTest}: starts one container that waits for /work/go and then exits
 * with 5, prints "started PID", and hangs until it is killed with SIGKILL.
 * Arguments: stateDir runcRoot parentCgroup containerId.
 */
public final class StartAndHang {
    private StartAndHang() {}

    public static void main(String[] args) throws Exception {
        RuncRuntime.Settings s = RuncRuntime.Settings.defaults(Path.of(args[0]))
                .withRuncRoot(Path.of(args[1]))
                .withCgroups(CgroupHost.detect(Path.of("/sys/fs/cgroup"), args[2]));
        RuncRuntime rt = RuncRuntime.create(s);
        ContainerInfo info = rt.start(RuncTestHost.spec(args[3],
                List.of("sh", "-c", "echo waiting; while [ ! -e /work/go ]; do sleep 0.02; done; exit 5"),
                Bytes.ofMiB(64), Map.of()));
        System.out.println("started " + info.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
