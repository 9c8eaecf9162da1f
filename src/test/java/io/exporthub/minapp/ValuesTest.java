package io.exporthub.minapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;

import io.exporthub.api.Json;
import org.junit.jupiter.api.Test;

/** The shortcuts of {@link Values} against the long way they stand for. */
class ValuesTest {

    static final List<ZoneId> ZONES = List.of(ZoneId.of("Asia/Shanghai"), ZoneId.of("UTC"), ZoneId.of("America/St_Johns"),
            ZoneId.of("Asia/Kathmandu"), ZoneId.of("Europe/Amsterdam"), ZoneId.of("America/Los_Angeles"), ZoneId.of("Pacific/Apia"),
            ZoneId.of("+05:30"), ZoneId.of("-00:30"));

    static String formatted(long millis, ZoneId zone) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(Instant.ofEpochMilli(millis).atZone(zone).toOffsetDateTime());
    }

    @Test
    void isoIsWhatTheFormatterWrites() {
        Random random = new Random(20240131);
        long year1 = -62135596800000L;
        long year10000 = 253402300800000L;
        for (ZoneId zone : ZONES) {
            for (int k = 0; k < 20_000; k++) {
                long millis = switch (k % 4) {
                    case 0 -> year1 + Math.floorMod(random.nextLong(), year10000 - year1); // any time of years 1 to 9999
                    case 1 -> 1_700_000_000_000L + random.nextInt(1_000_000_000); // recent, with milliseconds
                    case 2 -> (1_700_000_000L + random.nextInt(1_000_000_000)) * 1000L; // whole seconds
                    default -> random.nextLong() / 1000; // far out: years past 9999 and before 0 too
                };
                assertThat(Values.iso(millis, zone)).as("%d in %s", millis, zone).isEqualTo(formatted(millis, zone));
            }
            for (long millis : new long[] {0, -1, 1, 10, 100, 120, 999, -999, -1000, 86_399_999, year1, year1 - 1, year10000,
                    year10000 - 1, -2_208_988_800_000L, -2_177_481_943_000L, Long.MAX_VALUE / 1000, Long.MIN_VALUE / 1000}) {
                assertThat(Values.iso(millis, zone)).as("%d in %s", millis, zone).isEqualTo(formatted(millis, zone));
            }
        }
    }

    @Test
    void canonicalJsonIsTheRoundTrip() {
        List<String> texts = List.of("[]", "[[]]", "[\"a\"]", "[\"t1\",\"x\"]", "[1,-2,0,true,false,null]", "[[1,[2]],[\"\"]]",
                "[\"中文 😀\",\"a/b\",\"\u007f\",\"\u2028\"]", "[123456789012345678]", "[1234567890123456789012]",
                "[ 1]", "[1 ]", "[1, 2]", "[-0]", "[1.5]", "[1e3]", "[1E3]", "[1.0]", "[\"a\\\"b\"]", "[\"\\u00e9\"]", "[\"a\\/b\"]",
                "{\"a\":1}", "{}", "[{\"b\":[1,2]}]", "\"s\"", "1", "[\"x\"] ", " [\"x\"]", "[1,[2,[3,[4]]]]");
        for (String text : texts) {
            assertThat(PlainJson.canonicalJson(text)).as(text).isEqualTo(Json.write(Json.read(text)));
        }
        Random random = new Random(7);
        String alphabet = "[]\",:{}-0123456789.eE tfrunlasx\\/é中\u0001\n";
        for (int k = 0; k < 30_000; k++) {
            StringBuilder text = new StringBuilder("[");
            int length = random.nextInt(12);
            for (int i = 0; i < length; i++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String s = text.toString();
            String expected;
            try {
                expected = Json.write(Json.read(s));
            } catch (IllegalStateException e) {
                assertThatThrownBy(() -> PlainJson.canonicalJson(s)).as(s).isInstanceOf(IllegalStateException.class);
                continue;
            }
            assertThat(PlainJson.canonicalJson(s)).as(s).isEqualTo(expected);
        }
    }

    @Test
    void anArrayCellTakenAsItIsIsWhatTheLongWayStores() {
        Random random = new Random(11);
        String[] items = {"\"a\"", "\"中文, x\"", "\"\"", "1", "-20", "0", "1.5", "true", "false", "null", "[]", "[\"b\"]", "[1]",
                "{\"k\":1}", "\"a\\\"b\"", "-0"};
        List<FieldType> types = new java.util.ArrayList<>(List.of(FieldType.values()));
        types.add(null);
        int taken = 0;
        for (int k = 0; k < 20_000; k++) {
            StringBuilder cell = new StringBuilder("[");
            int length = random.nextInt(4);
            for (int i = 0; i < length; i++) {
                cell.append(i == 0 ? "" : random.nextInt(20) == 0 ? ", " : ",").append(items[random.nextInt(items.length)]);
            }
            String text = cell.append(']').toString();
            for (FieldType itemsType : types) {
                if (itemsType == FieldType.ARRAY) {
                    continue; // no arrays of arrays
                }
                if (PlainJson.plainArrayOf(text, itemsType)) {
                    taken++;
                    Field field = new Field("a", FieldType.ARRAY, itemsType, false);
                    Object value = Values.fromText(field, text, ZoneId.of("UTC"));
                    assertThat(Values.toSql(field, value)).as("%s of %s", text, itemsType).isEqualTo(text);
                }
            }
        }
        assertThat(taken).isGreaterThan(10_000);
    }

    @Test
    void theShortcutTakesTheCommonArrays() {
        assertThat(PlainJson.plainArrayOf("[\"t1\",\"x\"]", FieldType.STRING)).isTrue();
        assertThat(PlainJson.plainArrayOf("[]", FieldType.INTEGER)).isTrue();
        assertThat(PlainJson.plainArrayOf("[1,-2]", FieldType.NUMBER)).isTrue();
        assertThat(PlainJson.plainArrayOf("[1,\"x\"]", FieldType.INTEGER)).isFalse();
        assertThat(PlainJson.plainArrayOf("[null]", FieldType.STRING)).isFalse();
        assertThat(PlainJson.plainArrayOf("[null]", null)).isTrue();
        assertThat(PlainJson.plainArray("[\"t1\",\"x\"]")).isTrue();
        assertThat(PlainJson.plainArray("[\"user:anonymous\"]")).isTrue();
        assertThat(PlainJson.plainArray("[1,2,[true,null]]")).isTrue();
        assertThat(PlainJson.plainArray("[1, 2]")).isFalse();
        assertThat(PlainJson.plainArray("{\"a\":1}")).isFalse();
        assertThat(PlainJson.plainArray("[\"a\\nb\"]")).isFalse();
    }
}
