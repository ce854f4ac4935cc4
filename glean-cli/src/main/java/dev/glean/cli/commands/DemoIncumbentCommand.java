package dev.glean.cli.commands;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A synthetic incumbent for the demo: bursts of CPU on one core and of memory (touched, so it is really
 * resident), then quiet, like a web server under a bursty load. Runs outside glean, as incumbents do.
 */
@Command(name = "demo-incumbent", hidden = true, description = "A bursty synthetic incumbent (used by glean demo).")
public final class DemoIncumbentCommand implements Callable<Integer> {
    @Option(names = "--seconds", defaultValue = "600")
    int seconds;

    @Option(names = "--burst-ms", defaultValue = "1500")
    int burstMs;

    @Option(names = "--quiet-ms", defaultValue = "2500")
    int quietMs;

    @Option(names = "--memory-mb", defaultValue = "256")
    int memoryMb;

    @Override
    public Integer call() throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long sink = 0;
        while (System.nanoTime() < end) {
            List<byte[]> held = new ArrayList<>();
            for (int i = 0; i < memoryMb; i++) {
                byte[] b = new byte[1 << 20];
                for (int j = 0; j < b.length; j += 4096) {
                    b[j] = 1;
                }
                held.add(b);
            }
            long burstEnd = System.nanoTime() + burstMs * 1_000_000L;
            while (System.nanoTime() < burstEnd) {
                for (int i = 0; i < 100_000; i++) {
                    sink += i * 31L ^ (sink >>> 3);
                }
            }
            held.clear();
            System.gc();
            Thread.sleep(quietMs);
        }
        return sink == 42 ? 1 : 0;
    }
}
