using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AutoRemediate.Sandbox.Tests;

/// <summary>
/// The Sandbox's Azure Communication Services Email routes (POST /emails:send, GET /emails/operations/{id})
/// against the 2025-09-01 spec examples: bearer token and api-version as for ARM, the body checked, the
/// mail recorded for tests, and faults (429, Failed, never-ending) injected like the ARM routes'.
/// </summary>
[TestClass]
public sealed class EmailRoutesTests
{
    private const string EmailApi = "api-version=2025-09-01";
    private const string Sender = "DoNotReply@sandbox.azurecomm.net";

    private static JsonObject Message(string sender = Sender, string to = "oncall@contoso.com") => new()
    {
        ["senderAddress"] = sender,
        ["recipients"] = new JsonObject { ["to"] = new JsonArray(new JsonObject { ["address"] = to }) },
        ["content"] = new JsonObject { ["subject"] = "Approval needed", ["plainText"] = "text body", ["html"] = "<p>html body</p>" },
        ["headers"] = new JsonObject { ["X-Incident"] = "inc-1" },
    };

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, JsonNode body, string? operationId = null, string query = EmailApi)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/emails:send?{query}") { Content = JsonContent.Create(body) };
        if (operationId is not null)
        {
            request.Headers.Add("Operation-Id", operationId);
        }

        return await client.SendAsync(request);
    }

    private static async Task<JsonArray> MailsAsync(SandboxHost sandbox) => (await sandbox.Client(null).GetFromJsonAsync<JsonArray>("/sandbox/emails"))!;

    [TestMethod]
    public async Task Send_SpecExampleMessage_AcceptedWithTheShapeOfThe202AndRecorded()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var example = Spec.Example("SendEmail.2025-09-01.json");
        var body = example["parameters"]!["emailMessage"]!.DeepClone();
        body["senderAddress"] = Sender; // the example's sender domain is not the Sandbox's linked one

        using var response = await SendAsync(sandbox.Client(), body, "8540c0de-899f-5cce-acb5-3ec493af3800");

        Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode, await response.Content.ReadAsStringAsync());
        Spec.AssertSameShape(Spec.Body("SendEmail.2025-09-01.json", "202"), (await response.Content.ReadFromJsonAsync<JsonNode>())!);
        var location = response.Headers.GetValues("Operation-Location").Single();
        Assert.AreEqual($"{sandbox.Address.GetLeftPart(UriPartial.Authority)}/emails/operations/8540c0de-899f-5cce-acb5-3ec493af3800?{EmailApi}", location);
        var mail = (await MailsAsync(sandbox)).Single()!;
        Assert.AreEqual(Sender, mail["senderAddress"]!.GetValue<string>());
        CollectionAssert.AreEqual(new[] { "john.doe@domain.com", "jane.doe@domain2.com" }, mail["to"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray());
        Assert.AreEqual("An exciting offer especially for you!", mail["subject"]!.GetValue<string>());
        Assert.AreEqual("123", mail["headers"]!["ClientCorrelationId"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Operation_AfterSend_SucceededWithTheShapeOfTheSpec()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        using var sent = await SendAsync(sandbox.Client(), Message());
        var id = (await sent.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        var status = await sandbox.GetJsonAsync($"/emails/operations/{id}?{EmailApi}");

        Assert.AreEqual("Succeeded", status["status"]!.GetValue<string>());
        Assert.AreEqual(id, status["id"]!.GetValue<string>());
        Spec.AssertSameShape(Spec.Body("GetOperationStatusReturnsFailedTerminalStatus.2025-09-01.json"), status);
    }

    [TestMethod]
    public async Task Send_SameOperationIdTwice_OneMail()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var id = Guid.NewGuid().ToString();

        using var first = await SendAsync(sandbox.Client(), Message(), id);
        using var again = await SendAsync(sandbox.Client(), Message(), id);

        Assert.AreEqual(HttpStatusCode.Accepted, first.StatusCode);
        Assert.AreEqual(HttpStatusCode.Accepted, again.StatusCode);
        Assert.HasCount(1, await MailsAsync(sandbox), "a retried POST names the same operation");
    }

    [TestMethod]
    public async Task Send_NoBearerToken_401AndNothingRecorded()
    {
        await using var sandbox = await SandboxHost.StartAsync();

        using var response = await SendAsync(sandbox.Client(bearer: null), Message());

        Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.IsEmpty(await MailsAsync(sandbox));
        Assert.IsFalse(sandbox.Requests.Snapshot().Single().HadBearerToken);
    }

    [TestMethod]
    public async Task Send_NoApiVersion_400()
    {
        await using var sandbox = await SandboxHost.StartAsync();

        using var response = await SendAsync(sandbox.Client(), Message(), query: "x=1");

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.AreEqual("MissingApiVersionParameter", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
    }

    [TestMethod]
    [DataRow("""{"senderAddress":"DoNotReply@contoso.com","recipients":{"to":[{"address":"a@contoso.com"}]},"content":{"subject":"s","plainText":"t"}}""", "DomainNotLinked", DisplayName = "sender not on the linked domain")]
    [DataRow("""{"recipients":{"to":[{"address":"a@contoso.com"}]},"content":{"subject":"s","plainText":"t"}}""", "BadRequest", DisplayName = "no sender")]
    [DataRow("""{"senderAddress":"DoNotReply@sandbox.azurecomm.net","recipients":{"to":[]},"content":{"subject":"s","plainText":"t"}}""", "BadRequest", DisplayName = "no recipient")]
    [DataRow("""{"senderAddress":"DoNotReply@sandbox.azurecomm.net","recipients":{"to":[{"displayName":"x"}]},"content":{"subject":"s","plainText":"t"}}""", "InvalidRecipientAddress", DisplayName = "recipient without address")]
    [DataRow("""{"senderAddress":"DoNotReply@sandbox.azurecomm.net","recipients":{"to":[{"address":"a@contoso.com"}]},"content":{"plainText":"t"}}""", "BadRequest", DisplayName = "no subject")]
    [DataRow("""{"senderAddress":"DoNotReply@sandbox.azurecomm.net","recipients":{"to":[{"address":"a@contoso.com"}]},"content":{"subject":"s"}}""", "BadRequest", DisplayName = "no body")]
    [DataRow("""{"senderAddress":"DoNotReply@sandbox.azurecomm.net","recipients":{"to":[{"address":"a@contoso.com"}]},"content":{"subject":"s","plainText":"t"},"headers":{"n":1}}""", "BadRequest", DisplayName = "header not a string")]
    [DataRow("""[1,2]""", "BadRequest", DisplayName = "not an object")]
    [DataRow("""{"senderAddress":""", "BadRequest", DisplayName = "not JSON")]
    public async Task Send_BadMessage_400WithCodeAndNothingRecorded(string body, string code)
    {
        await using var sandbox = await SandboxHost.StartAsync();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await sandbox.Client().PostAsync($"/emails:send?{EmailApi}", content);

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.AreEqual(code, (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
        Assert.IsEmpty(await MailsAsync(sandbox));
    }

    [TestMethod]
    public async Task Operation_Unknown_404()
    {
        await using var sandbox = await SandboxHost.StartAsync();

        var error = await sandbox.GetJsonAsync($"/emails/operations/{Guid.NewGuid()}?{EmailApi}", HttpStatusCode.NotFound);

        Assert.AreEqual("NotFound", error["error"]!["code"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Send_Fault429_RetryAfterThenAccepted()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var fault = await sandbox.AddFaultAsync(new { method = "POST", pathContains = "/emails:send", status = 429, retryAfterSeconds = 3 });

        using var throttled = await SendAsync(sandbox.Client(), Message());
        using var accepted = await SendAsync(sandbox.Client(), Message());

        Assert.AreEqual((HttpStatusCode)429, throttled.StatusCode);
        Assert.AreEqual(TimeSpan.FromSeconds(3), throttled.Headers.RetryAfter!.Delta);
        Assert.AreEqual(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.HasCount(1, await MailsAsync(sandbox));
        Assert.AreEqual(fault, sandbox.Requests.Snapshot()[0].FaultId);
    }

    [TestMethod]
    [DataRow("Failed")]
    [DataRow("Running")]
    public async Task Operation_FaultLroResult_EndsThatWay(string result)
    {
        await using var sandbox = await SandboxHost.StartAsync();
        await sandbox.AddFaultAsync(new { method = "POST", pathContains = "/emails:send", lroResult = result });
        using var sent = await SendAsync(sandbox.Client(), Message());
        var id = (await sent.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        var status = await sandbox.GetJsonAsync($"/emails/operations/{id}?{EmailApi}");

        Assert.AreEqual(result, status["status"]!.GetValue<string>());
        Assert.AreEqual(result == "Failed" ? "EmailDropped" : null, status["error"]?["code"]?.GetValue<string>());
        Spec.AssertSameShape(Spec.Body("GetOperationStatusReturnsFailedTerminalStatus.2025-09-01.json"), status);
    }

    [TestMethod]
    public async Task Reset_ForgetsTheMails()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        using var sent = await SendAsync(sandbox.Client(), Message());

        using var reset = await sandbox.Client(null).PostAsync("/sandbox/reset", null);

        Assert.AreEqual(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.IsEmpty(await MailsAsync(sandbox));
    }
}
