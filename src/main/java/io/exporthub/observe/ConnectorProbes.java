package io.exporthub.observe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import io.exporthub.connector.Connector;
import io.exporthub.pipeline.DeliveryErrors;
import io.exporthub.sink.local.LocalTargetRoot;
import io.exporthub.sink.matrixone.MatrixOneConnections;
import io.exporthub.sink.s3.S3Delivery;

/** How to tell whether a connector's server can be reached, per kind: null when it can, else why not. */
public class ConnectorProbes {

    private final S3Delivery s3;
    private final MatrixOneConnections matrixOne;
    private final LocalTargetRoot local;

    public ConnectorProbes(S3Delivery s3, MatrixOneConnections matrixOne, LocalTargetRoot local) {
        this.s3 = s3;
        this.matrixOne = matrixOne;
        this.local = local;
    }

    public String problem(Connector connector) {
        try {
            return switch (connector.kind()) {
                case S3, OSS -> s3.probe(connector);
                case LOCAL -> localProblem(connector);
                case MATRIXONE -> matrixOneProblem(connector);
                // a Dify connector names no dataset to ask about: its first task finds out
                case DIFY -> null;
            };
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    private String matrixOneProblem(Connector connector) {
        try (Connection c = matrixOne.get(connector).getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT 1");
            return null;
        } catch (SQLException e) {
            return DeliveryErrors.describe(e);
        }
    }

    private String localProblem(Connector connector) {
        Path directory = local.directory(connector.workspaceId(), connector.setting("directory"));
        Path existing = directory;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
            return "directory " + directory + " cannot be written";
        }
        return null;
    }
}
