package dev.glean.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.glean.core.job.VolumeMount;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.io.IOException;
import java.time.Duration;

/**
 * The one Jackson configuration of glean's wire: Millicores and Bytes as plain integers, Durations as
 * milliseconds, Instants as ISO-8601, byte arrays as base64, volumes as "HOST:PATH[:ro]". Unknown fields are
 * ignored on the agent protocol (newer peers may add some) — the REST API checks job specs strictly itself.
 */
public final class WireJson {
    private static final ObjectMapper MAPPER = create();

    private WireJson() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    private static ObjectMapper create() {
        SimpleModule m = new SimpleModule("glean-wire");
        m.addSerializer(Millicores.class, new JsonSerializer<>() {
            @Override
            public void serialize(Millicores v, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeNumber(v.value());
            }
        });
        m.addDeserializer(Millicores.class, new JsonDeserializer<>() {
            @Override
            public Millicores deserialize(JsonParser p, DeserializationContext c) throws IOException {
                return new Millicores(p.getValueAsLong());
            }
        });
        m.addSerializer(Bytes.class, new JsonSerializer<>() {
            @Override
            public void serialize(Bytes v, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeNumber(v.value());
            }
        });
        m.addDeserializer(Bytes.class, new JsonDeserializer<>() {
            @Override
            public Bytes deserialize(JsonParser p, DeserializationContext c) throws IOException {
                return new Bytes(p.getValueAsLong());
            }
        });
        m.addSerializer(Duration.class, new JsonSerializer<>() {
            @Override
            public void serialize(Duration v, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeNumber(v.toMillis());
            }
        });
        m.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext c) throws IOException {
                return Duration.ofMillis(p.getValueAsLong());
            }
        });
        m.addSerializer(VolumeMount.class, new JsonSerializer<>() {
            @Override
            public void serialize(VolumeMount v, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeString(v.toString());
            }
        });
        m.addDeserializer(VolumeMount.class, new JsonDeserializer<>() {
            @Override
            public VolumeMount deserialize(JsonParser p, DeserializationContext c) throws IOException {
                return VolumeMount.parse(p.getValueAsString());
            }
        });
        ObjectMapper om = new ObjectMapper();
        om.registerModule(new JavaTimeModule());
        om.registerModule(m);
        om.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        om.disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);
        om.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        om.disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE);
        return om;
    }
}
