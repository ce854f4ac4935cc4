package dev.glean.cli.commands;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.runtime.RuncRuntime;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

@Command(name = "doctor", description = "Check that this host can run the glean agent.")
public final class DoctorCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        boolean ok = true;
        out.println("java        ok    " + Runtime.version());
        CgroupHost cg = CgroupHost.detect();
        out.println("cgroups     ok    " + (cg.mode() == CgroupHost.Mode.V1 ? "v1 controllers" + (cg.unifiedRoot().isPresent()
                ? " + cgroup2 at " + cg.unifiedRoot().get() + " (hybrid)" : "") : "v2 (unified; not yet verified on a real host)"));
        boolean idle = cg.mode() == CgroupHost.Mode.V1 ? Files.exists(cg.v1Root("cpu").resolve("cpu.idle"))
                : Files.exists(cg.root().resolve("cgroup.controllers"));
        out.println("cpu.idle    " + (idle ? "ok    secondaries run in the kernel's idle class" : "warn  no cpu.idle: the minimum CPU weight is used"));
        Optional<String> problem = RuncRuntime.probe();
        if (problem.isPresent()) {
            ok = false;
            out.println("runtime     FAIL  " + problem.get());
        } else {
            out.println("runtime     ok    runc and conmon found, running as root");
        }
        out.flush();
        return ok ? 0 : 1;
    }
}
