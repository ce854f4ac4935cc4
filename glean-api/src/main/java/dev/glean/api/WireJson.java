package dev.glean.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import com.fasterxml.jackson.datatype.jsr310.ser.InstantSerializer;
import dev.glean.core.job.VolumeMount;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;

/**
 * The one Jackson configuration of glean's wire: Millicores and Bytes as plain integers, Durations as
 * milliseconds, Instants as ISO-8601, byte arrays as base64, volumes as "HOST:PATH[:ro]". Unknown fields are
 * ignored on the agent protocol (newer peers may add some) — the REST API checks job specs strictly itself.
 */
public final class WireJson {
    private static final ObjectMapper MAPPER = create();

    private WireJson() {}

    /** A value type written as one JSON integer. */
    private static <T> void number(SimpleModule m, Class<T> type, ToLongFunction<T> write, LongFunction<T> read) {
        m.addSerializer(type, new JsonSerializer<T>() {
            @Override
            public void serialize(T v, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeNumber(write.applyAsLong(v));
            }
        });
        m.addDeserializer(type, new JsonDeserializer<T>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext c) throws IOException {
                return read.apply(p.getValueAsLong());
            }
        });
    }

    /** A value type written as one JSON string. */
    private static <T> void text(SimpleModule m, Class<T> type, Function<T, String> write, Function<String, T> read) {
        m.addSerializer(type, new JsonSerializer<T>() {
            @Override
            public void serialize(T v, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeString(write.apply(v));
            }
        });
        m.addDeserializer(type, new JsonDeserializer<T>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext c) throws IOException {
                return read.apply(p.getValueAsString());
            }
        });
    }

    /** Instants through {@link IsoInstant}, java.time's own (de)serializers for whatever it does not take. */
    private static void instants(SimpleModule m) {
        m.addSerializer(Instant.class, new JsonSerializer<Instant>() {
            @Override
            public void serialize(Instant v, JsonGenerator g, SerializerProvider p) throws IOException {
                String text = IsoInstant.format(v);
                if (text != null) {
                    g.writeString(text);
                } else {
                    InstantSerializer.INSTANCE.serialize(v, g, p);
                }
            }
        });
        m.addDeserializer(Instant.class, new JsonDeserializer<Instant>() {
            @Override
            public Instant deserialize(JsonParser p, DeserializationContext c) throws IOException {
                if (p.hasToken(JsonToken.VALUE_STRING)) {
                    Instant t = IsoInstant.parse(p.getText());
                    if (t != null) {
                        return t;
                    }
                }
                return InstantDeserializer.INSTANT.deserialize(p, c);
            }
        });
    }

    /** A JSON factory as glean's mappers use it (one per mapper: a mapper takes its factory over). */
    public static JsonFactory newFactory() {
        return JsonFactory.builder()
                // Every request runs on a virtual thread of its own: the default per-thread buffer recycling would
                // allocate fresh parse and write buffers (tens of KiB) for each one.
                .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
                // Samples carry doubles (pressures, seconds): the JDK's own conversions were a visible part of a report.
                .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                .build();
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    private static ObjectMapper create() {
        SimpleModule m = new SimpleModule("glean-wire");
        number(m, Millicores.class, Millicores::value, Millicores::new);
        number(m, Bytes.class, Bytes::value, Bytes::new);
        number(m, Duration.class, Duration::toMillis, Duration::ofMillis);
        text(m, VolumeMount.class, VolumeMount::toString, VolumeMount::parse);
        instants(m);
        ObjectMapper om = new ObjectMapper(newFactory());
        om.registerModule(new JavaTimeModule());
        om.registerModule(m);
        om.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        om.disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);
        om.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        om.disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE);
        return om;
    }
}
