package io.exporthub.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The benchmark's alternative to the MatrixOne target: a plain JDBC loop that reads the processing
 * results under {@code <volume>/.parsed} and inserts one row per block (file_id, block_no, block_type,
 * page_no, content, title), in batches, one transaction per file.
 *
 * <p>{@code <jdbc url> <user> <password> <volume> <tables> <batch rows>}; the file id of
 * {@code .parsed/x/y.pdf.json} is {@code x/y.pdf}, as the benchmark's task names it. {@code <tables>}
 * is a comma-separated list: one round per table, one after the other in this process (so that the
 * rounds after the first run warm, as a service's do), each printed as {@code round <table> <seconds>}.
 */
public final class JdbcInsertLoop {

    private JdbcInsertLoop() {
    }

    public static void main(String[] args) throws Exception {
        for (String table : args[4].split(",")) {
            long start = System.nanoTime();
            long rows = run(args[0], args[1], args[2], Path.of(args[3]), table, Integer.parseInt(args[5]));
            System.out.printf("round %s %.2f (%d rows)%n", table, (System.nanoTime() - start) / 1e9, rows);
        }
    }

    private static long run(String url, String user, String password, Path volume, String table, int batch) throws Exception {
        Path parsed = volume.resolve(".parsed");
        ObjectMapper mapper = new ObjectMapper();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(parsed)) {
            files = walk.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        long rows = 0;
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            c.setAutoCommit(false);
            String sql = "INSERT INTO `" + table + "` (`file_id`, `block_no`, `block_type`, `page_no`, `content`, `title`) VALUES (?, ?, ?, ?, ?, ?)";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (Path file : files) {
                    String relative = parsed.relativize(file).toString();
                    String fileId = relative.substring(0, relative.length() - ".json".length());
                    String title = null;
                    int position = 0;
                    int pending = 0;
                    for (JsonNode block : mapper.readTree(file.toFile()).path("blocks")) {
                        position++;
                        ps.setString(1, fileId);
                        ps.setInt(2, block.has("index") ? block.path("index").asInt() : position);
                        ps.setString(3, block.path("type").asText(null));
                        if (block.has("page_number")) {
                            ps.setInt(4, block.path("page_number").asInt());
                        } else {
                            ps.setObject(4, null);
                        }
                        ps.setString(5, block.path("content").asText(null));
                        ps.setString(6, title);
                        ps.addBatch();
                        if ("title".equals(block.path("type").asText())) {
                            title = block.path("content").asText(null);
                        }
                        rows++;
                        if (++pending == batch) {
                            ps.executeBatch();
                            pending = 0;
                        }
                    }
                    if (pending > 0) {
                        ps.executeBatch();
                    }
                    c.commit();
                }
            }
        }
        return rows;
    }
}
