package io.exporthub.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.exporthub.api.RequestField;

/** The list and files queries, validated; sort columns come only from these whitelists. */
public final class TaskQueries {

    private static final Map<String, String> TASK_ORDER = Map.of(
            "created_at", "created_at", "ended_at", "ended_at", "status", "status", "name", "name");
    private static final Map<String, String> FILE_ORDER = Map.of(
            "created_at", "created_at", "started_at", "started_at", "ended_at", "ended_at", "status", "status");

    private TaskQueries() {
    }

    public record ListQuery(List<Integer> statuses, String creator, String connectorName, String taskId,
                            String orderBy, String direction, int offset, int limit) {
    }

    public record FilesQuery(String taskId, List<Integer> statuses, String orderBy, String direction, int offset, int limit) {
    }

    public static ListQuery list(RequestField q) {
        return new ListQuery(statuses(q.get("statuses"), 1, 3), q.get("creator").optionalText(128, null),
                q.get("connector_name").optionalText(256, null), q.get("task_id").optionalText(64, null),
                orderBy(q.get("order_by"), TASK_ORDER), direction(q), q.get("offset").optionalInt(0, 0, Integer.MAX_VALUE),
                q.get("limit").optionalInt(10, 1, 100));
    }

    public static FilesQuery files(RequestField q) {
        return new FilesQuery(q.get("task_id").requiredText(64), statuses(q.get("statuses"), 0, 3),
                orderBy(q.get("order_by"), FILE_ORDER), direction(q), q.get("offset").optionalInt(0, 0, Integer.MAX_VALUE),
                q.get("limit").optionalInt(10, 1, 100));
    }

    private static List<Integer> statuses(RequestField field, int min, int max) {
        List<Integer> statuses = new ArrayList<>();
        for (RequestField status : field.optionalArray(10)) {
            statuses.add(status.optionalInt(0, min, max));
        }
        return statuses;
    }

    private static String orderBy(RequestField field, Map<String, String> columns) {
        String value = field.optionalText(32, "created_at");
        String column = columns.get(value);
        if (column == null) {
            throw field.invalid("'" + value + "' is not a sort field (one of " + String.join(", ", columns.keySet().stream().sorted().toList()) + ")");
        }
        return column;
    }

    /** {@code asc} sorts ascending; anything else, as in the source API, descending. */
    private static String direction(RequestField q) {
        RequestField field = q.get("order_direction");
        return field.present() && field.node().isTextual() && field.node().asText().equalsIgnoreCase("asc") ? "ASC" : "DESC";
    }
}
