using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using static AutoRemediate.Sandbox.Tests.SandboxHost;

namespace AutoRemediate.Sandbox.Tests;

/// <summary>Each app's SCM site under /scm/{site}: auth, instance pinning with ARRAffinity, Windows Kudu and Linux KuduLite.</summary>
[TestClass]
public sealed class KuduTests
{
    [TestMethod]
    public async Task Processes_WithoutCredentials_401_WithBearer_Kudus_ProcessList()
    {
        await using var sandbox = await SandboxHost.StartAsync();

        using var anonymous = await sandbox.Client(null).GetAsync("/scm/contoso-cpu/api/processes");
        var list = (await sandbox.Client().GetFromJsonAsync<JsonArray>("/scm/contoso-cpu/api/processes"))!;

        Assert.AreEqual(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.IsFalse(anonymous.Headers.WwwAuthenticate.Any(h => h.Scheme == "Basic"), "basic auth is off for this app");
        CollectionAssert.AreEqual(new[] { "w3wp", "w3wp" }, list.Select(p => p!["name"]!.GetValue<string>()).ToArray(), "the site's worker and the SCM site's own w3wp");
        StringAssert.EndsWith(list[0]!["href"]!.GetValue<string>(), "/scm/contoso-cpu/api/processes/1");
        Assert.AreEqual(1, sandbox.Requests.Snapshot().Count(r => r.Path == "/scm/contoso-cpu/api/processes" && r.Status == 401), "SCM calls are logged");
    }

    [TestMethod]
    public async Task BasicAuth_OnlyWithTheAppsPublishingCredentials_AndOnlyWhereEnabled()
    {
        await using var sandbox = await SandboxHost.StartAsync();

        var right = await SendBasicAsync(sandbox, "/scm/contoso-shop/api/processes", "$contoso-shop", "sandbox-publish-password");
        var wrong = await SendBasicAsync(sandbox, "/scm/contoso-shop/api/processes", "$contoso-shop", "nope");
        var elsewhere = await SendBasicAsync(sandbox, "/scm/contoso-cpu/api/processes", "$contoso-shop", "sandbox-publish-password");
        using var arm = await SendAsync(sandbox, HttpMethod.Get, $"{Site("contoso-shop")}?{Api}", new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("$contoso-shop:sandbox-publish-password"))));

        Assert.AreEqual(HttpStatusCode.OK, right.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.IsTrue(wrong.Headers.WwwAuthenticate.Any(h => h.Scheme == "Basic"));
        Assert.AreEqual(HttpStatusCode.Unauthorized, elsewhere.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, arm.StatusCode, "ARM never takes basic auth");
        right.Dispose();
        wrong.Dispose();
        elsewhere.Dispose();
    }

    [TestMethod]
    public async Task ArrAffinityCookie_PinsTheInstance_WithoutItTheFirstOne()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var instances = await sandbox.InstanceIdsAsync("contoso-onebad");

        using var pinned = await SendAsync(sandbox, HttpMethod.Get, "/scm/contoso-onebad/api/processes/0", cookie: instances[2]);
        using var unpinned = await SendAsync(sandbox, HttpMethod.Get, "/scm/contoso-onebad/api/processes/0");
        using var stale = await SendAsync(sandbox, HttpMethod.Get, "/scm/contoso-onebad/api/processes/0", cookie: new string('0', 64));

        Assert.AreEqual("RD" + instances[2][..12].ToUpperInvariant(), (await pinned.Content.ReadFromJsonAsync<JsonObject>())!["machineName"]!.GetValue<string>());
        StringAssert.Contains(pinned.Headers.GetValues("Set-Cookie").Single(), $"ARRAffinity={instances[2]}");
        Assert.AreEqual("RD" + instances[0][..12].ToUpperInvariant(), (await unpinned.Content.ReadFromJsonAsync<JsonObject>())!["machineName"]!.GetValue<string>());
        StringAssert.Contains(stale.Headers.GetValues("Set-Cookie").Single(), $"ARRAffinity={instances[0]}", "an unknown instance lands on another one, and the cookie says which");
    }

    [TestMethod]
    public async Task Kill_OnThePinnedInstanceOnly_IdZeroIsTheWorker()
    {
        var clock = new ManualClock(new DateTimeOffset(2025, 6, 2, 9, 0, 0, TimeSpan.Zero));
        await using var sandbox = await SandboxHost.StartAsync(clock);
        var instances = await sandbox.InstanceIdsAsync("contoso-onebad");

        using var wrongInstance = await SendAsync(sandbox, HttpMethod.Delete, "/scm/contoso-onebad/api/processes/0", cookie: instances[1]);
        var stillBad = (await sandbox.GetJsonAsync($"{Site("contoso-onebad")}/instances?{Api}"))["value"]![0]!["properties"]!["state"]!.GetValue<string>();
        using var rightInstance = await SendAsync(sandbox, HttpMethod.Delete, "/scm/contoso-onebad/api/processes/0", cookie: instances[0]);
        var fixedState = (await sandbox.GetJsonAsync($"{Site("contoso-onebad")}/instances?{Api}"))["value"]![0]!["properties"]!["state"]!.GetValue<string>();
        using var unknown = await SendAsync(sandbox, HttpMethod.Delete, "/scm/contoso-onebad/api/processes/4242");

        Assert.AreEqual(HttpStatusCode.NoContent, wrongInstance.StatusCode);
        Assert.AreEqual("UNKNOWN", stillBad, "killing the worker on a healthy instance does not fix instance 0");
        Assert.AreEqual(HttpStatusCode.NoContent, rightInstance.StatusCode);
        Assert.AreEqual("READY", fixedState);
        Assert.AreEqual(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.AreEqual(2, (await sandbox.AppAsync("contoso-onebad"))["killCount"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Linux_DeleteIs400NotSupportedOnLinux_AsKuduLite()
    {
        await using var sandbox = await SandboxHost.StartAsync();

        foreach (var site in new[] { "contoso-api", "contoso-worker" })
        {
            using var response = await SendAsync(sandbox, HttpMethod.Delete, $"/scm/{site}/api/processes/1");

            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.AreEqual("Not supported on Linux", (await response.Content.ReadFromJsonAsync<JsonNode>())!.GetValue<string>());
        }

        Assert.AreEqual(0, (await sandbox.AppAsync("contoso-api"))["killCount"]!.GetValue<int>());
    }

    // What ARM does for Linux apps is UNVERIFIED; the Sandbox lets the ARM process routes through.
    [TestMethod]
    public async Task Linux_ViaArm_ListAndKillAreLetThrough()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var instance = (await sandbox.InstanceIdsAsync("contoso-api"))[0];

        var processes = await sandbox.GetJsonAsync($"{Site("contoso-api")}/instances/{instance}/processes?{Api}");
        using var kill = await sandbox.Client().DeleteAsync($"{Site("contoso-api")}/instances/{instance}/processes/1?{Api}");

        CollectionAssert.AreEqual(new[] { "/usr/share/dotnet/dotnet", "/usr/sbin/sshd" }, processes["value"]!.AsArray().Select(p => p!["properties"]!["file_name"]!.GetValue<string>()).ToArray());
        Assert.AreEqual(HttpStatusCode.NoContent, kill.StatusCode);
        Assert.AreEqual(1, (await sandbox.AppAsync("contoso-api"))["killCount"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Linux_WithoutDotnetMonitor_ProcessesAndDumps400()
    {
        await using var sandbox = await SandboxHost.StartAsync();

        foreach (var path in new[] { "/scm/contoso-api/api/processes", "/scm/contoso-api/api/processes/1", "/scm/contoso-api/api/processes/1/dump?type=Full" })
        {
            using var response = await SendAsync(sandbox, HttpMethod.Get, path);

            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode, path);
            Assert.AreEqual("Not supported on Linux", await response.Content.ReadAsStringAsync(), path);
        }
    }

    [TestMethod]
    public async Task Linux_WithDotnetMonitor_ListsDotnetAndDumpsWithType()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        await sandbox.AddFaultAsync(new { pathContains = "/scm/contoso-worker/api/processes/1/dump", dumpSizeBytes = 2 * 1024 * 1024, times = 2 });
        var client = sandbox.Client();

        var list = (await client.GetFromJsonAsync<JsonArray>("/scm/contoso-worker/api/processes"))!;
        var process = (await client.GetFromJsonAsync<JsonObject>("/scm/contoso-worker/api/processes/1"))!;
        using var dump = await client.GetAsync("/scm/contoso-worker/api/processes/1/dump?type=Full");
        var bytes = await dump.Content.ReadAsByteArrayAsync();
        using var badType = await client.GetAsync("/scm/contoso-worker/api/processes/1/dump?type=Huge");
        using var zeroId = await client.GetAsync("/scm/contoso-worker/api/processes/0");

        Assert.AreEqual("dotnet", list.Single()!["name"]!.GetValue<string>(), "dotnet-monitor lists the .NET process only");
        Assert.AreEqual(1, list.Single()!["pid"]!.GetValue<int>());
        Assert.AreEqual("Linux", process["operatingSystem"]!.GetValue<string>());
        Assert.AreEqual(HttpStatusCode.OK, dump.StatusCode);
        Assert.AreEqual(2 * 1024 * 1024, bytes.Length);
        CollectionAssert.AreEqual(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }, bytes[..4], "a Linux core dump is an ELF file");
        Assert.AreEqual(HttpStatusCode.BadRequest, badType.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, zeroId.StatusCode, "id 0 is Windows Kudu's shortcut, dotnet-monitor wants a real pid");
    }

    [TestMethod]
    public async Task Windows_BadDumpFormat400_UnknownPid404_UnknownSite404()
    {
        await using var sandbox = await SandboxHost.StartAsync();

        using var format = await SendAsync(sandbox, HttpMethod.Get, "/scm/contoso-shop/api/processes/0/dump?format=tar");
        using var pid = await SendAsync(sandbox, HttpMethod.Get, "/scm/contoso-shop/api/processes/4242");
        using var site = await SendAsync(sandbox, HttpMethod.Get, "/scm/nope/api/processes");

        Assert.AreEqual(HttpStatusCode.BadRequest, format.StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, pid.StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, site.StatusCode);
    }

    private static Task<HttpResponseMessage> SendBasicAsync(SandboxHost sandbox, string path, string user, string password) =>
        SendAsync(sandbox, HttpMethod.Get, path, new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"))));

    private static async Task<HttpResponseMessage> SendAsync(SandboxHost sandbox, HttpMethod method, string path, AuthenticationHeaderValue? authorization = null, string? cookie = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = authorization ?? new AuthenticationHeaderValue("Bearer", "any-token");
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", $"ARRAffinity={cookie}");
        }

        return await sandbox.Client(null).SendAsync(request);
    }
}
