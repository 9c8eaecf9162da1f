package io.exporthub.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import io.exporthub.api.ApiException;
import io.exporthub.api.Json;
import io.exporthub.pipeline.Delivery;
import io.exporthub.pipeline.FileWork;
import io.exporthub.store.Database;
import io.exporthub.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The task store's state machine, on H2 and on the local MariaDB, with the same SQL. */
class TaskStoreTest {

    @TempDir
    Path dir;

    TestDatabase testDb;
    Database db;
    TaskStore store;

    void open(String kind) {
        testDb = TestDatabase.of(kind, dir);
        Map<String, String> props = testDb.properties();
        db = new Database(props.get("exporthub.db.url"), props.get("exporthub.db.user"), props.get("exporthub.db.password"), 4);
        store = new TaskStore(db);
    }

    @AfterEach
    void close() throws Exception {
        db.stop();
        testDb.close();
    }

    private String newTask(long workspace, int files) {
        List<NewTask.NewFile> list = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            list.add(new NewTask.NewFile("f" + i, List.of("dir", "f" + i + ".txt"), true, "f" + i + ".txt", 1));
        }
        return store.create(workspace, new NewTask("t", "me", 1, "c", 100, Json.MAPPER.createObjectNode(), false,
                List.of(new Target(Target.LOCAL, 1, "", "none", null)), list));
    }

    private List<FileWork> pending(String taskId) {
        List<FileWork> all = new ArrayList<>();
        for (Iterator<FileWork> it = store.pendingFiles(taskId); it.hasNext(); ) {
            all.add(it.next());
        }
        return all;
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void filesMoveThroughTheirStatesOnce(String kind) {
        open(kind);
        String taskId = newTask(1, 450);
        List<FileWork> pending = pending(taskId);
        // read page by page by key, in order, all of them
        assertThat(pending).hasSize(450);
        assertThat(pending).extracting(FileWork::fileId).startsWith("f0", "f1", "f2").endsWith("f449");

        Delivery first = store.claim(pending.get(0));
        assertThat(first).isNotNull();
        assertThat(store.claim(pending.get(0))).as("a file is claimed once").isNull();
        assertThat(pending(taskId)).hasSize(449);

        first.delivered("here");
        store.markCompleted(first);
        store.markFailed(pending.get(0), "late failure");
        assertThat(store.state(1, taskId)).containsEntry("completed", 1L).containsEntry("failed", 0L);

        for (FileWork file : pending.subList(1, 450)) {
            Delivery delivery = store.claim(file);
            if (file.fileId().equals("f7")) {
                store.markFailed(file, "target down");
            } else {
                delivery.delivered("here");
                store.markCompleted(delivery);
            }
        }
        assertThat(store.state(1, taskId)).containsEntry("total", 450L).containsEntry("completed", 449L)
                .containsEntry("failed", 1L).containsEntry("pending", 0L).containsEntry("running", 0L);
        Map<String, Object> info = store.info(1, taskId);
        assertThat(info.get("status")).isEqualTo(TaskStore.FAILED);
        assertThat(info.get("end_time")).isNotNull();

        assertThat(store.rerun(1, taskId, List.of("f1"))).as("completed files are not re-sent").isZero();
        assertThat(store.rerun(1, taskId, List.of())).isEqualTo(1);
        assertThat(store.info(1, taskId).get("status")).isEqualTo(TaskStore.RUNNING);
        assertThat(pending(taskId)).extracting(FileWork::fileId).containsExactly("f7");
        Delivery again = store.claim(pending(taskId).get(0));
        again.delivered("here");
        store.markCompleted(again);
        assertThat(store.info(1, taskId).get("status")).isEqualTo(TaskStore.COMPLETED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void aDeadProcessesRunningFilesResumeAndDeletedTasksStop(String kind) {
        open(kind);
        String crashed = newTask(1, 3);
        String deleted = newTask(1, 3);
        List<FileWork> files = pending(crashed);
        store.claim(files.get(0));
        Delivery done = store.claim(files.get(1));
        done.delivered("here");
        store.markCompleted(done);

        store.delete(1, deleted);
        assertThat(store.claim(pending(deleted).get(0))).as("no delivery starts after delete").isNull();

        assertThat(store.resumable()).containsExactly(crashed);
        assertThat(pending(crashed)).extracting(FileWork::fileId).containsExactly("f0", "f2");
        assertThat(store.state(1, crashed)).containsEntry("completed", 1L).containsEntry("running", 0L);
        assertThatThrownBy(() -> store.info(1, deleted)).isInstanceOf(ApiException.class).hasMessageContaining("no task");
        assertThatThrownBy(() -> store.info(2, crashed)).as("another workspace").isInstanceOf(ApiException.class);
    }
}
