package io.exporthub.task;

/** A task's status as stored and answered ({@code status} of the task API). */
public enum TaskStatus {
    /** Queued or in progress. */
    RUNNING(1),
    /** Every file completed. */
    COMPLETED(2),
    /** Every file ended and at least one failed. */
    FAILED(3);

    /** The number in the database and the API. */
    public final int code;

    TaskStatus(int code) {
        this.code = code;
    }
}
