// Reads rendered files back the way the JVM services do, and prints one JSON line per file:
// *.xml with a DOM parser (the <property> elements of logback.xml, as logback sees them),
// anything else with java.util.Properties.load(InputStream) (ZooKeeper and Kafka both load
// their config this way). Run: java ParseBack.java FILE...
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

public class ParseBack {
  public static void main(String[] args) throws Exception {
    StringBuilder out = new StringBuilder();
    for (String file : args) {
      Map<String, String> entries = new TreeMap<>();
      String error = null;
      try (InputStream in = new FileInputStream(file)) {
        if (file.endsWith(".xml")) {
          DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
          f.setExpandEntityReferences(false);
          f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
          NodeList props = f.newDocumentBuilder().parse(in).getElementsByTagName("property");
          for (int i = 0; i < props.getLength(); i++) {
            Element e = (Element) props.item(i);
            entries.put(e.getAttribute("name"), e.getAttribute("value"));
          }
        } else {
          Properties p = new Properties();
          p.load(in);
          for (String k : p.stringPropertyNames()) entries.put(k, p.getProperty(k));
        }
      } catch (Exception e) {
        error = e.toString();
      }
      out.append("{\"file\":").append(json(file));
      if (error != null) out.append(",\"error\":").append(json(error));
      out.append(",\"entries\":{");
      boolean first = true;
      for (Map.Entry<String, String> e : entries.entrySet()) {
        if (!first) out.append(',');
        first = false;
        out.append(json(e.getKey())).append(':').append(json(e.getValue()));
      }
      out.append("}}\n");
    }
    System.out.print(out);
  }

  static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
