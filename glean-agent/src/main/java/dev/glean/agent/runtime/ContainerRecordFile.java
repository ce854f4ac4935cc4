package dev.glean.agent.runtime;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/** Reads and writes {@code container.json}; writes go through a temp file and a rename, so a reader never sees half. */
final class ContainerRecordFile {
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ContainerRecordFile() {}

    static void write(ContainerLayout layout, ContainerRecord record) {
        Path tmp = layout.record().resolveSibling(layout.record().getFileName() + ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), record);
            Files.move(tmp, layout.record(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot write " + layout.record() + ": " + e.getMessage(), e);
        }
    }

    /** Empty if the container has no record (not a container directory, or removed meanwhile). */
    static Optional<ContainerRecord> read(ContainerLayout layout) {
        try {
            return Optional.of(JSON.readValue(Files.readAllBytes(layout.record()), ContainerRecord.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot read " + layout.record() + ": " + e.getMessage(), e);
        }
    }
}
