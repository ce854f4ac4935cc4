package dev.glean.cli.commands;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "logs", description = "Print a job's output (the latest attempt of its first task unless told).")
public final class LogsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--task", paramLabel = "N")
    Integer task;

    @Option(names = "--attempt", paramLabel = "N")
    Integer attempt;

    @Option(names = "--follow", description = "keep printing until the attempt ends")
    boolean follow;

    @Override
    public Integer call() throws IOException {
        StringBuilder q = new StringBuilder("/api/v1/jobs/").append(Ids.check(id)).append("/logs?follow=").append(follow);
        if (task != null) {
            q.append("&task=").append(task);
        }
        if (attempt != null) {
            q.append("&attempt=").append(attempt);
        }
        OutputStream out = System.out;
        try (InputStream in = client.client().stream(q.toString(), "text/plain")) {
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            throw new dev.glean.cli.CliException(dev.glean.cli.CliException.SERVER, "lost the connection to the server: " + e.getMessage());
        }
        return 0;
    }
}
