package io.exporthub.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.exporthub.ExchangeProperties;
import io.exporthub.api.RequestField;
import io.exporthub.pipeline.Delivery;
import io.exporthub.pipeline.PermanentDeliveryException;
import org.apache.camel.ExchangeProperty;

/**
 * The source volume: raw files at their {@code full_path} under the root, processing results at the
 * same path plus {@code .json} under {@code <root>/.parsed}. Nothing outside the root is ever read.
 */
public class SourceVolume {

    public static final String PARSED_AREA = ".parsed";

    private final Path root;
    private final Path parsedRoot;

    public SourceVolume(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.parsedRoot = this.root.resolve(PARSED_AREA);
    }

    public Path root() {
        return root;
    }

    /**
     * Validates a request's {@code full_path}: an array of names; a name may hold {@code /}-separated
     * parts, but no part may be empty, {@code .}, {@code ..} or carry a backslash or NUL.
     */
    public static List<String> validPath(RequestField field) {
        List<String> segments = new ArrayList<>();
        for (RequestField element : field.requiredArray(1, 64)) {
            String value = element.requiredText(1024);
            if (value.startsWith("/")) {
                throw element.invalid("must be relative to the volume: '" + value + "' is absolute");
            }
            for (String part : value.split("/", -1)) {
                if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                    throw element.invalid("'" + value + "' leaves the volume or has an empty name ('" + part + "')");
                }
                if (part.indexOf('\\') >= 0 || part.indexOf('\0') >= 0 || part.matches("[A-Za-z]:.*")) {
                    throw element.invalid("'" + value + "' has a character not allowed in a path");
                }
                segments.add(part);
            }
        }
        return segments;
    }

    /** Finds the claimed file in the volume for its targets. */
    public void locate(@ExchangeProperty(ExchangeProperties.DELIVERY) Delivery delivery) {
        delivery.setSource(open(delivery.getFile().fullPath(), delivery.getFile().raw()));
    }

    /** The file to send: the raw file, or its processing result. Missing files fail the file for good. */
    public Path open(List<String> fullPath, boolean raw) {
        String relative = String.join("/", fullPath);
        Path base = raw ? root : parsedRoot;
        Path file = base.resolve(raw ? relative : relative + ".json").normalize();
        if (!file.startsWith(base)) {
            throw new PermanentDeliveryException("source path '" + relative + "' leaves the volume");
        }
        if (!Files.isRegularFile(file)) {
            throw new PermanentDeliveryException(raw
                    ? "source file not found in the volume: " + relative
                    : "no processing result for " + relative + " (expected " + PARSED_AREA + "/" + relative + ".json)");
        }
        try {
            // A symbolic link inside the volume must not lead out of it.
            if (!file.toRealPath().startsWith(root.toRealPath())) {
                throw new PermanentDeliveryException("source path '" + relative + "' leaves the volume");
            }
        } catch (IOException e) {
            throw new PermanentDeliveryException("source file unreadable: " + relative + ": " + e.getMessage());
        }
        return file;
    }
}
