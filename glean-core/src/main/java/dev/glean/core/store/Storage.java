package dev.glean.core.store;

import java.util.function.Function;

/**
 * The controller's one transactional store (Aurora's Storage is the model). Work runs inside one
 * transaction; an exception rolls it back and propagates. Failures of the backend are GleanExceptions with
 * code STORAGE_ERROR. Implementations serialise writes.
 */
public interface Storage extends AutoCloseable {
    <T> T read(Function<StoreView, T> work);

    <T> T write(Function<StoreTx, T> work);

    @Override
    void close();
}
