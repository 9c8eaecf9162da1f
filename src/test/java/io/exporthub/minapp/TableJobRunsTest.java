package io.exporthub.minapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import io.exporthub.auth.Principal;
import io.exporthub.store.Database;
import io.exporthub.testing.TestDatabase;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A job the service stops in (a kill, a crash the job causes) is queued again on start, but not forever. */
class TableJobRunsTest {

    @TempDir
    Path home;

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void aJobTheServiceStoppedInDuringEachOfItsRunsFailsInsteadOfRunningAgain(String kind) throws Exception {
        try (TestDatabase db = TestDatabase.of(kind, home)) {
            Database database = new Database(db.url(), db.properties().get("exporthub.db.user"), db.properties().get("exporthub.db.password"), 2);
            try {
                TableJobs jobs = new TableJobs(database, 3);
                String id = jobs.create(new Principal(1, 1, "u", null, false, false), 1, "export", "csv", null, "{}", null);
                for (int run = 1; run <= 3; run++) {
                    // each start finds the job left pending or running, queues it, and the service stops while it runs
                    assertThat(jobs.resumable()).as("start %d", run).containsExactly(id);
                    assertThat(jobs.start(id)).isTrue();
                }
                assertThat(jobs.resumable()).isEmpty();
                TableJobs.Job job = jobs.find(id).orElseThrow();
                assertThat(job.status()).isEqualTo(TableJobs.FAILED);
                assertThat(job.error()).isEqualTo("the service stopped during each of the 3 runs of this job: it is not run again");
            } finally {
                database.stop();
            }
        }
    }
}
