package io.exporthub.task;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.exporthub.ExchangeProperties;
import io.exporthub.api.Json;
import io.exporthub.api.RequestField;
import io.exporthub.auth.Principal;
import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorKind;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.source.SourceVolume;
import io.exporthub.sink.matrixone.TableTarget;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

/** Reads a create request into a {@link NewTask}: every field checked, every connector resolved. */
public class TaskRequests {

    private final ConnectorStore connectors;
    private final int maxFiles;

    public TaskRequests(ConnectorStore connectors, int maxFiles) {
        this.connectors = connectors;
        this.maxFiles = maxFiles;
    }

    public NewTask parse(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal, @Body String body) {
        RequestField request = RequestField.root(Json.parse(body, "request body"), "request body");
        String name = request.get("task_name").requiredText(256);
        String creator = request.get("creator").requiredText(128);
        int type = request.get("type").requiredInt();
        Connector taskConnector = taskConnector(principal, request);

        RequestField config = request.get("config").requiredObject();
        config.allowOnly("dify_config", "s3_config", "mo_config", "local_config", "merge_title_to_text");
        boolean mergeTitles = config.get("merge_title_to_text").optionalBoolean(false);
        List<Target> targets = targets(principal, type, taskConnector, config);
        List<NewTask.NewFile> files = files(request.get("files"));
        uniqueDocumentNames(targets, files);
        return new NewTask(name, creator, taskConnector.id(), taskConnector.name(), type, config.node(), mergeTitles, targets, files);
    }

    private Connector taskConnector(Principal principal, RequestField request) {
        RequestField idField = request.get("connector_id");
        RequestField nameField = request.get("connector_name");
        String id = idField.optionalId(64);
        String name = nameField.optionalText(256, null);
        if (id == null && name == null) {
            throw idField.invalid("is required (or give connector_name)");
        }
        if (id == null) {
            return connectors.findByName(principal.workspaceId(), name)
                    .orElseThrow(() -> nameField.invalid("no connector named '" + name + "' in this workspace"));
        }
        Connector connector = connector(principal, idField, id);
        if (name != null && !name.equals(connector.name())) {
            throw nameField.invalid("'" + name + "' does not match connector " + id + ", which is named '" + connector.name() + "'");
        }
        return connector;
    }

    private Connector connector(Principal principal, RequestField field, String id) {
        long numeric;
        try {
            numeric = Long.parseLong(id);
        } catch (NumberFormatException e) {
            return connectors.findByName(principal.workspaceId(), id)
                    .orElseThrow(() -> field.invalid("no connector '" + id + "' in this workspace"));
        }
        return connectors.find(principal.workspaceId(), numeric)
                .orElseThrow(() -> field.invalid("no connector " + id + " in this workspace"));
    }

    private List<Target> targets(Principal principal, int type, Connector taskConnector, RequestField config) {
        RequestField typeField = new RequestField(null, "type");
        String required = switch (type) {
            case 1, 6 -> "dify_config";
            case 2, 4, 5 -> "s3_config";
            case 3 -> "mo_config";
            case 100 -> "local_config";
            default -> throw typeField.invalid(type + " is not a task type (1 or 6 Dify, 2 or 5 S3, 3 MatrixOne, 4 OSS, 100 local directory)");
        };
        if (!config.get(required).present()) {
            throw config.get(required).invalid("is required for a task of type " + type);
        }
        List<Target> targets = new ArrayList<>();
        RequestField dify = config.get("dify_config");
        if (dify.present()) {
            targets.add(difyTarget(principal, dify.object(), taskConnector, type));
        }
        RequestField mo = config.get("mo_config");
        if (mo.present()) {
            TableTarget table = TableTarget.parse(mo.object());
            Connector connector = targetConnector(principal, mo, Set.of(ConnectorKind.MATRIXONE), taskConnector, type);
            targets.add(new Target(Target.MATRIXONE, connector.id(), null, null, table.toJson()));
        }
        RequestField s3 = config.get("s3_config");
        if (s3.present()) {
            Set<ConnectorKind> fits = switch (type) {
                case 2, 5 -> Set.of(ConnectorKind.S3);
                case 4 -> Set.of(ConnectorKind.OSS);
                default -> Set.of(ConnectorKind.S3, ConnectorKind.OSS);
            };
            targets.add(objectTarget(principal, Target.S3, s3.object(), fits, taskConnector, type));
        }
        RequestField local = config.get("local_config");
        if (local.present()) {
            targets.add(objectTarget(principal, Target.LOCAL, local.object(), Set.of(ConnectorKind.LOCAL), taskConnector, type));
        }
        return targets;
    }

    /** An S3/OSS or local-directory target: {@code path}, {@code need_compress}, {@code compress_method}. */
    private Target objectTarget(Principal principal, String kind, RequestField section, Set<ConnectorKind> fits,
                                Connector taskConnector, int type) {
        section.allowOnly("path", "need_compress", "compress_method", "connector_id");
        String path = keyPrefix(section.get("path"));
        boolean compress = section.get("need_compress").optionalBoolean(false);
        RequestField methodField = section.get("compress_method");
        String method = methodField.present() && methodField.node().isTextual() ? methodField.node().asText() : null;
        if (methodField.present() && method == null) {
            throw methodField.invalid("must be a string: gzip, zip or no");
        }
        String compression = "none";
        if (compress) {
            if (method == null || method.isEmpty() || method.equals("no")) {
                throw methodField.invalid("must be gzip or zip when need_compress is true");
            }
            if (!method.equals("gzip") && !method.equals("zip")) {
                throw methodField.invalid("'" + method + "' is not supported (gzip, zip or no)");
            }
            compression = method;
        } else if (method != null && !method.isEmpty() && !List.of("gzip", "zip", "no").contains(method)) {
            throw methodField.invalid("'" + method + "' is not supported (gzip, zip or no)");
        }

        Connector connector = targetConnector(principal, section, fits, taskConnector, type);
        return new Target(kind, connector.id(), path, compression, null);
    }

    /**
     * A Dify knowledge base: {@code dataset_id} (a UUID, as Dify's are), the optional
     * {@code dataset_name} (shown in the file's details) and {@code embedding_model}.
     */
    private Target difyTarget(Principal principal, RequestField section, Connector taskConnector, int type) {
        section.allowOnly("dataset_id", "dataset_name", "embedding_model", "connector_id");
        RequestField idField = section.get("dataset_id");
        String datasetId = idField.requiredText(64);
        try {
            if (!UUID.fromString(datasetId).toString().equalsIgnoreCase(datasetId)) {
                throw new IllegalArgumentException(datasetId);
            }
        } catch (IllegalArgumentException e) {
            throw idField.invalid("'" + datasetId + "' is not a Dify dataset id (a UUID such as 3c90c3cc-0d44-4b50-8888-8dd25736052a)");
        }
        String datasetName = section.get("dataset_name").optionalText(256, null);
        String embeddingModel = section.get("embedding_model").optionalText(256, null);
        Connector connector = targetConnector(principal, section, Set.of(ConnectorKind.DIFY), taskConnector, type);
        ObjectNode options = Json.MAPPER.createObjectNode().put("dataset_id", datasetId.toLowerCase(Locale.ROOT));
        if (datasetName != null) {
            options.put("dataset_name", datasetName);
        }
        if (embeddingModel != null) {
            options.put("embedding_model", embeddingModel);
        }
        return new Target(Target.DIFY, connector.id(), null, null, options);
    }

    /**
     * A Dify dataset names its documents after the files and keeps one document per name, so two
     * files of one name in a task would overwrite each other there: refused up front.
     */
    private static void uniqueDocumentNames(List<Target> targets, List<NewTask.NewFile> files) {
        if (targets.stream().noneMatch(t -> Target.DIFY.equals(t.kind()))) {
            return;
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < files.size(); i++) {
            Integer first = seen.putIfAbsent(files.get(i).fileName(), i);
            if (first != null) {
                throw new RequestField(null, "files[" + i + "].full_path").invalid("'" + files.get(i).fileName()
                        + "' is also the name of files[" + first + "]; a Dify dataset keeps one document per file name");
            }
        }
    }

    /** The section's own {@code connector_id}, else the task's connector; either must be of a kind that fits. */
    private Connector targetConnector(Principal principal, RequestField section, Set<ConnectorKind> fits,
                                      Connector taskConnector, int type) {
        RequestField idField = section.get("connector_id");
        String ownId = idField.optionalId(64);
        Connector connector = ownId == null ? taskConnector : connector(principal, idField, ownId);
        if (!fits.contains(connector.kind())) {
            RequestField blame = ownId == null ? new RequestField(null, "connector_id") : idField;
            throw blame.invalid("connector '" + connector.name() + "' is of kind " + connector.kind().id() + ", but "
                    + section.path() + " of a type " + type + " task needs a connector of kind "
                    + String.join(" or ", fits.stream().map(ConnectorKind::id).sorted().toList()));
        }
        return connector;
    }

    /** {@code /export/data/} → {@code export/data}: slashes trimmed, no empty, dot or dot-dot parts. */
    private static String keyPrefix(RequestField field) {
        String path = field.present() && field.node().isTextual() ? field.node().asText() : null;
        if (path == null) {
            throw field.invalid(field.present() ? "must be a string" : "is required");
        }
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.equals(".") || part.equals("..") || part.indexOf('\\') >= 0 || part.indexOf('\0') >= 0) {
                throw field.invalid("'" + path + "' has a part that is not allowed ('" + part + "')");
            }
            parts.add(part);
        }
        if (String.join("/", parts).length() > 512) {
            throw field.invalid("must be at most 512 characters");
        }
        return String.join("/", parts);
    }

    private List<NewTask.NewFile> files(RequestField field) {
        List<RequestField> items = field.requiredArray(1, maxFiles);
        List<NewTask.NewFile> files = new ArrayList<>(items.size());
        Set<String> seen = new HashSet<>();
        for (RequestField item : items) {
            item.object();
            String fileId = item.get("file_id").optionalId(256);
            if (fileId == null) {
                throw item.get("file_id").invalid("is required");
            }
            if (!seen.add(fileId)) {
                throw item.get("file_id").invalid("'" + fileId + "' appears twice in this task");
            }
            List<String> fullPath = SourceVolume.validPath(item.get("full_path"));
            boolean raw = item.get("is_raw").requiredBoolean();
            String fileName = fullPath.get(fullPath.size() - 1);
            files.add(new NewTask.NewFile(fileId, fullPath, raw, fileName, FileType.of(fileName)));
        }
        return files;
    }
}
