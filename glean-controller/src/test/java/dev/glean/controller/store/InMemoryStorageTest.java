package dev.glean.controller.store;

import dev.glean.core.store.Storage;

/** The fake meets the same contract as the real adapters, so scenario tests on it mean something. */
class InMemoryStorageTest extends AbstractStorageContractTest {
    @Override
    protected Storage newStorage() {
        return new InMemoryStorage();
    }

    @Override
    protected Storage reopen(Storage old) {
        return ((InMemoryStorage) old).reopen();
    }
}
