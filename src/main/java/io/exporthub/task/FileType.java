package io.exporthub.task;

import java.util.Locale;
import java.util.Map;

/** MOI's file_type numbers, by file extension. */
public final class FileType {

    private static final Map<String, Integer> BY_EXTENSION = Map.ofEntries(
            Map.entry("txt", 1), Map.entry("pdf", 2), Map.entry("image", 3), Map.entry("ppt", 4),
            Map.entry("doc", 5), Map.entry("md", 6), Map.entry("csv", 7), Map.entry("parquet", 8),
            Map.entry("sql", 9), Map.entry("docx", 11), Map.entry("pptx", 12), Map.entry("png", 20),
            Map.entry("jpg", 21), Map.entry("jpeg", 22), Map.entry("bmp", 23), Map.entry("xls", 24),
            Map.entry("xlsx", 25), Map.entry("htm", 27), Map.entry("html", 28), Map.entry("eml", 29),
            Map.entry("msg", 30));

    private FileType() {
    }

    public static int of(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot < 0 || dot == fileName.length() - 1) {
            return 0;
        }
        return BY_EXTENSION.getOrDefault(fileName.substring(dot + 1).toLowerCase(Locale.ROOT), 0);
    }
}
