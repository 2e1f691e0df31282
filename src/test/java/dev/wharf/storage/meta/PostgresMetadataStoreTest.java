package dev.wharf.storage.meta;

import dev.wharf.testing.PostgresSchema;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the contract against PostgreSQL on 127.0.0.1:5432 in a schema of its own, dropped afterwards. */
class PostgresMetadataStoreTest extends ImageStoreContract {
    @RegisterExtension
    static final PostgresSchema SCHEMA = new PostgresSchema("wharf_test_");

    @Override
    protected MetadataStore createStore() {
        // One schema per class run (migrated once, validated after): each test starts from empty tables.
        return new SqlMetadataStore(SCHEMA.open(4, "TRUNCATE repositories, blobs, uploads RESTART IDENTITY CASCADE"));
    }
}
