package io.exporthub.testing.dify;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A strict reader of {@code multipart/form-data} bodies, as the fake Dify receives them. */
final class Multipart {

    private static final Pattern PARAMETER = Pattern.compile(";\\s*([A-Za-z*]+)=(\"([^\"]*)\"|[^;]*)");

    private Multipart() {
    }

    record Part(String name, String fileName, String contentType, byte[] content) {
        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    static final class MalformedException extends Exception {
        MalformedException(String message) {
            super(message);
        }
    }

    static List<Part> parse(byte[] body, String contentType) throws MalformedException {
        String boundary = parameter(contentType, "boundary");
        if (boundary == null || boundary.isEmpty()) {
            throw new MalformedException("multipart body without a boundary in its Content-Type: " + contentType);
        }
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] nextDelimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int position = indexOf(body, delimiter, 0);
        if (position != 0) {
            throw new MalformedException("multipart body does not start with its boundary");
        }
        position += delimiter.length;
        List<Part> parts = new ArrayList<>();
        while (true) {
            if (startsWith(body, position, "--")) {
                return parts;
            }
            if (!startsWith(body, position, "\r\n")) {
                throw new MalformedException("boundary not followed by CRLF");
            }
            position += 2;
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), position);
            if (headersEnd < 0) {
                throw new MalformedException("part without the blank line after its headers");
            }
            String headers = new String(body, position, headersEnd - position, StandardCharsets.UTF_8);
            int contentStart = headersEnd + 4;
            int contentEnd = indexOf(body, nextDelimiter, contentStart);
            if (contentEnd < 0) {
                throw new MalformedException("part not closed by the boundary");
            }
            parts.add(part(headers, Arrays.copyOfRange(body, contentStart, contentEnd)));
            position = contentEnd + nextDelimiter.length;
        }
    }

    private static Part part(String headers, byte[] content) throws MalformedException {
        String disposition = null;
        String type = null;
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new MalformedException("part header without a colon: " + line);
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-disposition")) {
                disposition = value;
            } else if (name.equals("content-type")) {
                type = value;
            }
        }
        if (disposition == null || !disposition.toLowerCase(Locale.ROOT).startsWith("form-data")) {
            throw new MalformedException("part without Content-Disposition: form-data");
        }
        String fileName = parameter(disposition, "filename");
        String extended = parameter(disposition, "filename*");
        if (extended != null && extended.toLowerCase(Locale.ROOT).startsWith("utf-8''")) {
            fileName = URLDecoder.decode(extended.substring(7).replace("+", "%2B"), StandardCharsets.UTF_8);
        }
        return new Part(parameter(disposition, "name"), fileName, type, content);
    }

    static String parameter(String header, String name) {
        if (header == null) {
            return null;
        }
        Matcher matcher = PARAMETER.matcher(header);
        while (matcher.find()) {
            if (matcher.group(1).equalsIgnoreCase(name)) {
                return matcher.group(3) != null ? matcher.group(3) : matcher.group(2).trim();
            }
        }
        return null;
    }

    private static boolean startsWith(byte[] data, int offset, String prefix) {
        byte[] bytes = prefix.getBytes(StandardCharsets.ISO_8859_1);
        if (offset + bytes.length > data.length) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (data[offset + i] != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
