using System.Text.Json;
using AutoRemediate.Diagnostics;

namespace AutoRemediate.Core.Tests.Diagnostics;

[TestClass]
public sealed class DetectorParsingTests
{
    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static string Table(string columns, string rows) =>
        $$$"""{"properties":{"dataset":[{"table":{"columns":[{{{columns}}}],"rows":[{{{rows}}}]}}]}}""";

    private const string InstanceReason = """{"columnName":"Instance"},{"columnName":"Reason"}""";

    [TestMethod]
    [DataRow("""{"properties":{"status":{"statusId":"Critical","message":"3 crashes\nsee the table"}}}""", "Critical", "3 crashes", DisplayName = "status and first line")]
    [DataRow("""{"properties":{"status":{"statusId":"Warning"}}}""", "Warning", "", DisplayName = "no message")]
    [DataRow("""{"properties":{"status":{"statusId":2,"message":"numeric id"}}}""", "2", "numeric id", DisplayName = "numeric status id")]
    [DataRow("""{"properties":{"dataset":[]}}""", "Unknown", "", DisplayName = "no status")]
    [DataRow("""{"properties":{"status":"Critical"}}""", "Unknown", "", DisplayName = "status not an object")]
    [DataRow("""{"properties":[1,2]}""", "Unknown", "", DisplayName = "properties not an object")]
    [DataRow("""[]""", "Unknown", "", DisplayName = "an array")]
    [DataRow("""null""", "Unknown", "", DisplayName = "null")]
    public void Status_Response_StatusIdAndFirstLineOfTheMessage(string json, string status, string message)
    {
        var finding = DetectorParsing.Status("sitecrashes", Parse(json));

        Assert.AreEqual("sitecrashes", finding.Detector);
        Assert.AreEqual(status, finding.Status);
        Assert.AreEqual(message, finding.Message);
    }

    [TestMethod]
    [DataRow(InstanceReason, """["i1","System.OutOfMemoryException"],["i1","Worker crash"],["i2","Access violation CRASH"],["i2","Recycled by configuration"]""", "i1=2;i2=1", DisplayName = "exceptions and crashes counted, other reasons not")]
    [DataRow("""{"columnName":"Timestamp"},{"columnName":"Reason"},{"columnName":"Instance"}""", """["t","StackOverflowException","i3"]""", "i3=1", DisplayName = "columns in any order, with others")]
    [DataRow("""{"columnName":"INSTANCE"},{"columnName":"reason"}""", """["i1","crash"]""", "i1=1", DisplayName = "column names in any case")]
    [DataRow(InstanceReason, """["i1","crash"],["I1","crash"]""", "i1=2", DisplayName = "one instance in two cases, one count")]
    [DataRow(InstanceReason, """[7,"crash"]""", "7=1", DisplayName = "numeric instance")]
    [DataRow("""{"columnName":"Instance"},{"columnName":"Message"}""", """["i1","crash"]""", "", DisplayName = "no Reason column")]
    [DataRow("""{"columnName":"Machine"},{"columnName":"Reason"}""", """["i1","crash"]""", "", DisplayName = "no Instance column")]
    [DataRow(InstanceReason, """["i1"],["i2","crash"]""", "i2=1", DisplayName = "short row skipped")]
    [DataRow(InstanceReason, """{"Instance":"i1","Reason":"crash"},"i1 crash" """, "", DisplayName = "rows that are not arrays skipped")]
    public void CountCrashes_Table_CrashesPerInstance(string columns, string rows, string expected)
    {
        var crashes = DetectorParsing.CountCrashes(Parse(Table(columns, rows)));

        Assert.AreEqual(expected, string.Join(';', crashes.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}")));
    }

    [TestMethod]
    [DataRow("""{"properties":{"status":{"statusId":"Success"}}}""", DisplayName = "no dataset")]
    [DataRow("""{"properties":{"dataset":{"table":{}}}}""", DisplayName = "dataset not an array")]
    [DataRow("""{"properties":{"dataset":[{"table":[]},{"renderingProperties":{}}]}}""", DisplayName = "entries without a table object")]
    [DataRow("""{"properties":{"dataset":[{"table":{"rows":[["i1","crash"]]}}]}}""", DisplayName = "table without columns")]
    [DataRow("""{"properties":{"dataset":[{"table":{"columns":[{"columnName":"Instance"},{"columnName":"Reason"}],"rows":{"0":["i1","crash"]}}}]}}""", DisplayName = "rows not an array")]
    [DataRow("""{"dataset":[]}""", DisplayName = "no properties")]
    [DataRow("\"sitecrashes\"", DisplayName = "a string")]
    public void CountCrashes_MalformedShape_NoCrashesAndNoException(string json)
    {
        Assert.IsEmpty(DetectorParsing.CountCrashes(Parse(json)));
    }

    [TestMethod]
    public void CountCrashes_TwoTables_BothCounted()
    {
        var json = """
            {"properties":{"dataset":[
              {"table":{"columns":[{"columnName":"Instance"},{"columnName":"Reason"}],"rows":[["i1","crash"]]}},
              {"table":{"columns":[{"columnName":"Reason"},{"columnName":"Instance"}],"rows":[["NullReferenceException","i1"],["Exception","i2"]]}}
            ]}}
            """;

        var crashes = DetectorParsing.CountCrashes(Parse(json));

        Assert.AreEqual(2, crashes["i1"]);
        Assert.AreEqual(1, crashes["i2"]);
    }
}
