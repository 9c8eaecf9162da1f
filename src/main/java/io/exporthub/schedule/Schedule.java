package io.exporthub.schedule;

import java.nio.file.Path;

/** A cron trigger from configuration and the JSON create body (a task template) it submits. */
public record Schedule(String name, String cron, Path taskTemplate) {
}
