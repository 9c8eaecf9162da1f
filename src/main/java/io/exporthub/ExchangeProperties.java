package io.exporthub;

/**
 * Every exchange property the service's routes and beans share, in one place. The values are what
 * the routes write ({@code ${exchangeProperty.delivery}}...), so they do not change.
 */
public final class ExchangeProperties {

    /** The caller ({@link io.exporthub.auth.Principal}), set once its key is checked. */
    public static final String PRINCIPAL = "exporthubPrincipal";
    /** A schedule's fire on its way to its outcome ({@link io.exporthub.schedule.Schedules.Fire}). */
    public static final String SCHEDULE_FIRE = "exporthubScheduleFire";

    /** The claimed file on its way to its targets ({@link io.exporthub.pipeline.Delivery}). */
    public static final String DELIVERY = "delivery";
    /** The target being delivered to now ({@link io.exporthub.task.Target}). */
    public static final String TARGET = "target";
    /** The payload staged for the current target (a temporary file, deleted when the exchange completes). */
    public static final String STAGED_FILE = "exporthubStagedFile";
    /** Where the current target put the file, for the file's details ("s3://bucket/key"...). */
    public static final String LOCATION = "exporthubLocation";

    /** S3/OSS: the bucket, and the registry name of the connector's client. */
    public static final String S3_BUCKET = "s3Bucket";
    public static final String S3_CLIENT = "s3Client";
    /** Local: the connector's directory. */
    public static final String LOCAL_DIRECTORY = "localDirectory";
    /** MatrixOne: the target table ({@link io.exporthub.sink.matrixone.TableTarget}). */
    public static final String MATRIXONE_TABLE = "matrixOneTable";
    /** Dify: the file's job, the document of its name already in the dataset, whether to wait for indexing. */
    public static final String DIFY_JOB = "difyJob";
    public static final String DIFY_EXISTING = "difyExisting";
    public static final String DIFY_WAIT_FOR_INDEXING = "difyWaitForIndexing";

    /** MinApp job mail: the subject of the mail being sent. */
    public static final String MAIL_SUBJECT = "exporthubMailSubject";

    private ExchangeProperties() {
    }
}
