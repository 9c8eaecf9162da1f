package io.exporthub.api;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The one time format of the MOI API: ISO-8601 UTC to the second, null until known. */
public final class Times {

    private Times() {
    }

    public static String iso(Long epochMillis) {
        return epochMillis == null ? null : Instant.ofEpochMilli(epochMillis).truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
