package dev.glean.core.job;

import dev.glean.core.error.GleanException;

/** HOST:PATH[:ro]. Whether a host path may be mounted at all is the admin's allow-list, checked on submit. */
public record VolumeMount(String hostPath, String containerPath, boolean readOnly) {
    public VolumeMount {
        if (hostPath == null || !hostPath.startsWith("/") || containerPath == null || !containerPath.startsWith("/")) {
            throw GleanException.invalid("volume paths must be absolute: " + hostPath + ":" + containerPath);
        }
        if (hostPath.contains("/../") || hostPath.endsWith("/..") || containerPath.contains("/../") || containerPath.endsWith("/..")) {
            throw GleanException.invalid("volume paths must not contain '..': " + hostPath + ":" + containerPath);
        }
    }

    public static VolumeMount parse(String text) {
        String[] p = text.split(":");
        if (p.length == 2) {
            return new VolumeMount(p[0], p[1], false);
        }
        if (p.length == 3 && (p[2].equals("ro") || p[2].equals("rw"))) {
            return new VolumeMount(p[0], p[1], p[2].equals("ro"));
        }
        throw GleanException.invalid("volume must be HOST:PATH[:ro]: '" + text + "'");
    }

    @Override
    public String toString() {
        return hostPath + ":" + containerPath + (readOnly ? ":ro" : "");
    }
}
