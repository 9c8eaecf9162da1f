package io.exporthub.sink.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Where local-directory connectors write: each workspace has its own subtree of the root,
 * {@code <root>/<workspace id>/<directory>}, so that no workspace can reach another's files.
 * Paths are confined by their real path, not only by their text: an existing part of a path is
 * resolved through its symbolic links, and a path whose real location leaves the workspace's
 * subtree is refused, when a connector is created and again before every write.
 */
public final class LocalTargetRoot {

    /** A directory or path refused: why, in words for a 400 or a file's failure. */
    public static final class Refused extends RuntimeException {
        Refused(String problem) {
            super(problem, null, false, false);
        }
    }

    private final Path root;

    public LocalTargetRoot(Path root) {
        try {
            Path absolute = root.toAbsolutePath().normalize();
            Files.createDirectories(absolute);
            this.root = absolute.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("the local target root " + root + " cannot be made", e);
        }
    }

    public Path path() {
        return root;
    }

    /** The subtree of one workspace. */
    public Path workspace(long workspaceId) {
        return root.resolve(Long.toString(workspaceId));
    }

    /**
     * A connector's {@code directory} as given by a user, checked and normalised: relative, no
     * control characters, not leaving the workspace's subtree by {@code ..} nor by a symbolic link.
     */
    public String checkDirectory(long workspaceId, String directory) {
        Path relative = relative(directory, "directory");
        if (relative.isAbsolute() || relative.startsWith("..")) {
            throw new Refused("must be inside the local target root: a relative directory, without ..");
        }
        confine(workspaceId, workspace(workspaceId).resolve(relative));
        String normalised = relative.toString();
        return normalised.isEmpty() ? "." : normalised;
    }

    /** The real directory a connector writes to, confined to its workspace's subtree. */
    public Path directory(long workspaceId, String directory) {
        Path relative = relative(directory, "directory");
        if (relative.isAbsolute()) {
            // a connector stored before each workspace had its own subtree: it names a path of the old layout
            throw new Refused("the directory " + directory + " is not inside the workspace's local target directory; "
                    + "create the connector again with a relative directory");
        }
        Path path = workspace(workspaceId).resolve(relative).normalize();
        confine(workspaceId, path);
        return path;
    }

    /** A file to be written under a connector's directory: confined to the workspace's subtree by its real path. */
    public Path file(long workspaceId, Path directory, String relativeFile) {
        Path file = directory.resolve(relative(relativeFile, "destination")).normalize();
        if (!file.startsWith(directory)) {
            throw new Refused("destination '" + relativeFile + "' leaves the connector's directory");
        }
        confine(workspaceId, file);
        return file;
    }

    private static Path relative(String text, String what) {
        if (text == null || text.isEmpty()) {
            throw new Refused("must not be empty");
        }
        if (text.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
            throw new Refused("must not contain control characters");
        }
        try {
            return Path.of(text).normalize();
        } catch (InvalidPathException e) {
            throw new Refused("is not a valid " + what + " path");
        }
    }

    /**
     * The path's real location: its deepest existing ancestor resolved through symbolic links, and the
     * parts that do not exist yet after it. It must lie inside the workspace's subtree, which must
     * itself not be a link.
     */
    private void confine(long workspaceId, Path path) {
        Path existing = path;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        Path real;
        try {
            real = existing == null ? path : existing.toRealPath().resolve(existing.relativize(path));
        } catch (IOException e) {
            // a dangling link, or a loop of links
            throw new Refused("leads to a path that cannot be resolved: " + e.getClass().getSimpleName());
        }
        if (!real.normalize().startsWith(workspace(workspaceId))) {
            throw new Refused("leads outside the workspace's local target directory (through a symbolic link)");
        }
    }
}
