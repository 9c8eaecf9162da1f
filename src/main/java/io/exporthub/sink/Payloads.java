package io.exporthub.sink;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.exporthub.ExchangeProperties;
import io.exporthub.api.Json;
import io.exporthub.pipeline.Delivery;
import io.exporthub.pipeline.PermanentDeliveryException;
import io.exporthub.source.Blocks;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * What an object-store or directory target writes for a file: the source as it is, or a staged
 * copy (titles merged, gzip or zip) in the work directory, deleted when the exchange ends. Always a
 * file of known length, so uploads stream from disk whatever the size.
 */
public class Payloads {


    private final Path workDir;

    public Payloads(Path workDir) throws IOException {
        this.workDir = Files.createDirectories(workDir.toAbsolutePath().normalize());
    }

    /** The file to write and the name suffix it adds ({@code .json}, {@code .gz}, {@code .zip}). */
    public record Payload(Path file, String suffix) {
    }

    public Payload stage(Exchange exchange, Delivery delivery, String compression) {
        try {
            Path source = delivery.getSource();
            String suffix = delivery.getFile().raw() ? "" : ".json";
            if (!delivery.getFile().raw() && delivery.isMergeTitles()) {
                source = stageMergedTitles(exchange, source);
            }
            String entryName = delivery.getFile().fileName() + suffix;
            return switch (compression) {
                case "gzip" -> new Payload(compress(exchange, source, ".gz", out -> new GZIPOutputStream(out, 64 * 1024)), suffix + ".gz");
                case "zip" -> new Payload(compress(exchange, source, ".zip", out -> {
                    ZipOutputStream zip = new ZipOutputStream(out);
                    zip.putNextEntry(new ZipEntry(entryName));
                    return zip;
                }), suffix + ".zip");
                default -> new Payload(source, suffix);
            };
        } catch (IOException e) {
            throw new PermanentDeliveryException("cannot stage " + delivery.getFile().relativePath() + ": " + e.getMessage(), e);
        }
    }

    private Path stageMergedTitles(Exchange exchange, Path source) throws IOException {
        ObjectNode object = Blocks.read(source);
        ArrayNode merged = Blocks.mergeTitles(Blocks.of(object));
        object.set("blocks", merged);
        if (object.has("block_count")) {
            object.put("block_count", merged.size());
        }
        Path staged = temporary(exchange, ".json");
        Json.MAPPER.writeValue(staged.toFile(), object);
        return staged;
    }

    private interface Wrapper {
        OutputStream wrap(OutputStream out) throws IOException;
    }

    private Path compress(Exchange exchange, Path source, String suffix, Wrapper wrapper) throws IOException {
        Path staged = temporary(exchange, suffix);
        try (OutputStream out = wrapper.wrap(Files.newOutputStream(staged))) {
            Files.copy(source, out);
        }
        return staged;
    }

    /** Deletes the staged copy as soon as the target has it, instead of when the whole task ends. */
    public void release(Exchange exchange) throws IOException {
        Path staged = exchange.getProperty(ExchangeProperties.STAGED_FILE, Path.class);
        if (staged != null) {
            Files.deleteIfExists(staged);
            exchange.removeProperty(ExchangeProperties.STAGED_FILE);
        }
    }

    private Path temporary(Exchange exchange, String suffix) throws IOException {
        Path file = Files.createTempFile(workDir, "stage-", suffix);
        exchange.setProperty(ExchangeProperties.STAGED_FILE, file);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // the work directory is swept on start
                }
            }
        });
        return file;
    }

    /** Removes what a killed process left staged. */
    public void sweep() throws IOException {
        try (var files = Files.list(workDir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (file.getFileName().toString().startsWith("stage-")) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }
}
