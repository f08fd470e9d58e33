package io.glint.data.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.glint.data.block.Blocks;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/**
 * CSV (with a header line) and JSON Lines in and out, with Jackson; and the one place that writes a
 * block as a file of any format. CSV values are typed per file: a column whose values all parse as
 * integers is long, as numbers double, as true/false boolean, else string; an empty cell is null.
 */
public final class TextFormats {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CsvMapper CSV = new CsvMapper();

  private TextFormats() {}

  /** The rows of a CSV file as one block. */
  public static VectorSchemaRoot readCsv(InputStream in, String name) throws IOException {
    List<Map<String, String>> raw = new ArrayList<>();
    try (MappingIterator<Map<String, String>> it =
        CSV.readerForMapOf(String.class)
            .with(CsvSchema.emptySchema().withHeader())
            .readValues(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      while (it.hasNext()) {
        raw.add(it.next());
      }
    } catch (RuntimeException e) {
      throw new IOException(name + ": not a CSV file with a header line: " + e.getMessage(), e);
    }
    Map<String, Integer> kinds = new LinkedHashMap<>(); // 0 long, 1 double, 2 boolean, 3 string
    for (Map<String, String> r : raw) {
      r.forEach((k, v) -> kinds.merge(k, kind(v), Math::max));
    }
    List<Map<String, Object>> rows = new ArrayList<>(raw.size());
    for (Map<String, String> r : raw) {
      Map<String, Object> row = new LinkedHashMap<>();
      for (var k : kinds.entrySet()) {
        String v = r.get(k.getKey());
        row.put(k.getKey(), v == null || v.isEmpty() ? null : typed(v, k.getValue()));
      }
      rows.add(row);
    }
    return Blocks.fromRows(rows);
  }

  private static int kind(String v) {
    if (v == null || v.isEmpty()) {
      return 0;
    }
    try {
      Long.parseLong(v);
      return 0;
    } catch (NumberFormatException e) {
      // not an integer
    }
    try {
      Double.parseDouble(v);
      return 1;
    } catch (NumberFormatException e) {
      // not a number
    }
    return v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false") ? 2 : 3;
  }

  private static Object typed(String v, int kind) {
    return switch (kind) {
      case 0 -> Long.parseLong(v);
      case 1 -> Double.parseDouble(v);
      case 2 -> Boolean.parseBoolean(v);
      default -> v;
    };
  }

  /** The objects of a JSON Lines file (one object per line) as one block. */
  public static VectorSchemaRoot readJson(InputStream in, String name) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new IOException(name + ":" + n + ": not JSON: " + e.getOriginalMessage(), e);
        }
        if (!node.isObject()) {
          throw new IOException(name + ":" + n + ": expected a JSON object per line");
        }
        Map<String, Object> row = new LinkedHashMap<>();
        node.properties().forEach(e -> row.put(e.getKey(), plain(e.getValue())));
        rows.add(row);
      }
    }
    return Blocks.fromRows(rows);
  }

  private static Object plain(JsonNode v) {
    if (v.isNull()) {
      return null;
    }
    if (v.isIntegralNumber()) {
      return v.asLong();
    }
    if (v.isNumber()) {
      return v.asDouble();
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    if (v.isTextual()) {
      return v.asText();
    }
    return v.toString(); // nested objects and arrays stay JSON text
  }

  /** Writes {@code block} as {@code dir/name} in {@code format} (parquet, csv or json). */
  public static String writeFile(
      String format, VectorSchemaRoot block, String dir, String name, S3Settings s3)
      throws IOException {
    return Storage.write(
        dir,
        name,
        s3,
        file -> {
          switch (format) {
            case "parquet" -> {
              try (var w =
                  ParquetBlocks.writer(
                      new LocalOutputFile(file), block.getSchema(), CompressionCodecName.SNAPPY)) {
                w.write(block);
              }
            }
            case "csv" -> writeCsv(block, file);
            case "json" -> writeJson(block, file);
            default -> throw new IllegalArgumentException("unknown output format " + format);
          }
        });
  }

  private static void writeCsv(VectorSchemaRoot block, java.nio.file.Path file) throws IOException {
    CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
    block.getSchema().getFields().forEach(f -> schema.addColumn(f.getName()));
    try (BufferedWriter w = Files.newBufferedWriter(file);
        var seq = CSV.writer(schema.build()).writeValues(w)) {
      for (int i = 0; i < block.getRowCount(); i++) {
        List<Object> row = new ArrayList<>();
        for (FieldVector v : block.getFieldVectors()) {
          row.add(text(Blocks.value(v, i)));
        }
        seq.write(row);
      }
    }
  }

  private static Object text(Object v) {
    return v instanceof byte[] b
        ? Base64.getEncoder().encodeToString(b)
        : v == null ? "" : v.toString();
  }

  private static void writeJson(VectorSchemaRoot block, java.nio.file.Path file)
      throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      for (int i = 0; i < block.getRowCount(); i++) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (FieldVector v : block.getFieldVectors()) {
          Object x = Blocks.value(v, i);
          row.put(
              v.getName(), x instanceof Number || x instanceof Boolean || x == null ? x : text(x));
        }
        w.write(JSON.writeValueAsString(row));
        w.newLine();
      }
    }
  }
}
