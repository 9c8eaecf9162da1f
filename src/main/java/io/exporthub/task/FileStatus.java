package io.exporthub.task;

/** A file's status as stored and answered ({@code status} of the files API). */
public enum FileStatus {
    PENDING(0),
    RUNNING(1),
    COMPLETED(2),
    FAILED(3);

    /** The number in the database and the API. */
    public final int code;

    FileStatus(int code) {
        this.code = code;
    }
}
