package io.exporthub.minapp;

import io.exporthub.api.Json;

/**
 * JSON text scanned without parsing it: whether stored or imported text is already in the form
 * {@code Json.write} gives (an array of plain scalars), so that the common case skips the round trip.
 */
final class PlainJson {

    private PlainJson() {
    }

    /**
     * Stored JSON text as {@code Json.write(Json.read(text))} gives it. Text that is already in that form
     * is answered as it is, without the round trip; that is checked here for the common shape, an array
     * (of arrays) of strings without escapes or control characters, integers, booleans and nulls, written
     * without spaces. Anything else takes the round trip, with its normalisation and its errors.
     */
    public static String canonicalJson(String text) {
        return plainArray(text) ? text : Json.write(Json.read(text));
    }

    /**
     * Whether a CSV cell of an array field is, as it is, the JSON text to store: a {@link #plainArray}
     * whose items are all of the field's items type, so that {@link Values#fromText} would accept it and
     * {@code Json.write} give it back unchanged.
     */
    static boolean plainArrayOf(String s, FieldType items) {
        if (!plainArray(s)) {
            return false;
        }
        if (items == null) {
            return true;
        }
        // the first character of each item of the outer array says its type: no escapes, no spaces
        int depth = 0;
        boolean itemStarts = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (itemStarts) {
                itemStarts = false;
                if (c == ']') {
                    return true; // []
                }
                boolean ok = switch (items) {
                    case STRING, DATE, REFERENCE -> c == '"';
                    case INTEGER, NUMBER -> c == '-' || (c >= '0' && c <= '9');
                    case BOOLEAN -> c == 't' || c == 'f';
                    case ARRAY -> c == '[';
                    default -> false;
                };
                if (!ok) {
                    return false;
                }
            }
            if (c == '"') {
                i = s.indexOf('"', i + 1);
            } else if (c == '[') {
                itemStarts = depth++ == 0;
            } else if (c == ']') {
                depth--;
            } else if (c == ',' && depth == 1) {
                itemStarts = true;
            }
        }
        return true;
    }

    static boolean plainArray(String s) {
        int n = s.length();
        if (n < 2 || s.charAt(0) != '[') {
            return false;
        }
        int i = 0;
        int depth = 0;
        boolean mayClose = false; // right after '[': an empty array may close
        while (true) {
            // a value at i
            if (i >= n) {
                return false;
            }
            char c = s.charAt(i);
            if (c == ']' && mayClose) {
                depth--;
                i++;
            } else if (c == '[') {
                if (++depth > 32) {
                    return false;
                }
                i++;
                mayClose = true;
                continue;
            } else if (c == '"') {
                i++;
                while (i < n && s.charAt(i) != '"') {
                    char d = s.charAt(i);
                    if (d == '\\' || d < 0x20) {
                        return false;
                    }
                    i++;
                }
                if (i >= n) {
                    return false;
                }
                i++;
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                int start = i;
                if (c == '-') {
                    i++;
                }
                if (i >= n) {
                    return false;
                }
                char first = s.charAt(i);
                if (first == '0') {
                    if (c == '-') {
                        return false; // -0 is written 0
                    }
                    i++;
                } else if (first >= '1' && first <= '9') {
                    while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                        i++;
                    }
                } else {
                    return false;
                }
                if (i - start > 18) {
                    return false;
                }
            } else if (s.startsWith("true", i) || s.startsWith("null", i)) {
                i += 4;
            } else if (s.startsWith("false", i)) {
                i += 5;
            } else {
                return false;
            }
            mayClose = false;
            // after a value: ',' and the next one, or the ends of arrays
            while (true) {
                if (depth == 0) {
                    return i == n;
                }
                if (i >= n) {
                    return false;
                }
                char d = s.charAt(i);
                if (d == ',') {
                    i++;
                    break;
                }
                if (d != ']') {
                    return false;
                }
                depth--;
                i++;
            }
        }
    }
}
