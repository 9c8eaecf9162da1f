package io.exporthub.pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.exporthub.task.Target;

/**
 * A claimed file on its way to its targets: what to send, where, and what each target said.
 * Kept in the exchange property {@code delivery} while the target routes work on the body.
 */
public class Delivery {

    private final FileWork file;
    private final boolean mergeTitles;
    private final List<Target> targets;
    private final List<String> delivered = new ArrayList<>();
    private Path source;
    private Target attempted;
    private int attempts;
    private long attemptStartedNanos = System.nanoTime();

    public Delivery(FileWork file, boolean mergeTitles, List<Target> targets) {
        this.file = file;
        this.mergeTitles = mergeTitles;
        this.targets = List.copyOf(targets);
    }

    public FileWork getFile() {
        return file;
    }

    public boolean isMergeTitles() {
        return mergeTitles;
    }

    public List<Target> getTargets() {
        return targets;
    }

    public Path getSource() {
        return source;
    }

    public void setSource(Path source) {
        this.source = source;
    }

    /** Counts tries of one target, so that a failure can say how often it was tried. */
    public synchronized void attempt(Target target) {
        attempts = target.equals(attempted) ? attempts + 1 : 1;
        attempted = target;
        attemptStartedNanos = System.nanoTime();
    }

    public synchronized long attemptStartedNanos() {
        return attemptStartedNanos;
    }

    public synchronized int attempts() {
        return attempts;
    }

    public synchronized void delivered(String where) {
        delivered.add(where);
    }

    public synchronized String summary() {
        return "exported to " + String.join(", ", delivered);
    }
}
