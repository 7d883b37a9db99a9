using Azure;
using AutoRemediate.Azure;
using AutoRemediate.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Core.Tests.Azure;

/// <summary>The real Kudu client against the Sandbox's SCM routes.</summary>
[TestClass]
public sealed class KuduClientTests
{
    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_sandbox.DisposeAsync();

    [TestInitialize]
    public Task ResetAsync() => s_sandbox.ResetAsync();

    private static IKuduClient Client(Action<IServiceCollection>? tweak = null) =>
        AppServiceClientTests.Services(s_sandbox, tweak).GetRequiredService<IKuduClient>();

    private static async Task<string> InstanceAsync(string app, int index) =>
        (await s_sandbox.AppAsync(app))["instanceIds"]!.AsArray()[index]!.GetValue<string>();

    [TestMethod]
    public async Task Processes_OnAPinnedInstance_ListedWithDetails()
    {
        var target = new KuduTarget("contoso-shop", await InstanceAsync("contoso-shop", 1), IsLinux: false);
        var client = Client();

        var processes = await client.ListProcessesAsync(target);
        var details = await client.GetProcessAsync(target, processes.First(p => !p.IsScmSite).Id);

        Assert.IsNotEmpty(processes);
        Assert.IsGreaterThan(0L, details.WorkingSetBytes ?? 0);
        var request = s_sandbox.Requests.Snapshot().First(r => r.Path.StartsWith("/scm/contoso-shop/api/processes", StringComparison.Ordinal));
        Assert.IsTrue(request.HadBearerToken);
    }

    [TestMethod]
    public async Task Dump_Windows_FullDumpStreamed()
    {
        await s_sandbox.AddFaultAsync(new { pathContains = "/dump", dumpSizeBytes = 3 * 1024 * 1024 });

        await using var dump = await Client().GetProcessDumpAsync(new KuduTarget("contoso-shop", null, IsLinux: false), 1, DumpKind.Full);
        var total = await CountAsync(dump);

        Assert.AreEqual(3 * 1024 * 1024, total);
        StringAssert.Contains((await LoggedAsync(r => r.Path.EndsWith("/dump", StringComparison.Ordinal))).Query, "dumpType=2");
    }

    [TestMethod]
    public async Task Dump_LinuxWithoutDotnetMonitor_NotSupportedNamingTheAlternative()
    {
        var ex = await Assert.ThrowsExactlyAsync<NotSupportedException>(() => Client().GetProcessDumpAsync(new KuduTarget("contoso-api", null, IsLinux: true), 1, DumpKind.Full));

        StringAssert.Contains(ex.Message, "WEBSITE_USE_DOTNET_MONITOR");
        StringAssert.Contains(ex.Message, "ARM");
    }

    [TestMethod]
    public async Task Kill_Linux_NotSupportedAndNothingSent()
    {
        await Assert.ThrowsExactlyAsync<NotSupportedException>(() => Client().KillProcessAsync(new KuduTarget("contoso-api", null, IsLinux: true), 1));

        Assert.IsEmpty(s_sandbox.Requests.Snapshot());
    }

    [TestMethod]
    public async Task Kill_Windows_KillsOnce()
    {
        await Client().KillProcessAsync(new KuduTarget("contoso-shop", await InstanceAsync("contoso-shop", 0), IsLinux: false), 1);

        Assert.AreEqual(1, (await s_sandbox.AppAsync("contoso-shop"))["killCount"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task BasicAuth_OnlyWhenConfigured_UsesPublishingCredentialsInsteadOfAToken()
    {
        var client = Client(services => services.PostConfigure<AzureOptions>(o =>
        {
            o.KuduBasicAuthUser = "$contoso-shop";
            o.KuduBasicAuthPassword = "sandbox-publish-password";
        }));

        var processes = await client.ListProcessesAsync(new KuduTarget("contoso-shop", null, IsLinux: false));

        Assert.IsNotEmpty(processes);
        var request = await LoggedAsync(r => r.Path.StartsWith("/scm/contoso-shop/api/processes", StringComparison.Ordinal));
        Assert.HasCount(1, s_sandbox.Requests.Snapshot().Where(r => r.Path.StartsWith("/scm/contoso-shop/api/processes", StringComparison.Ordinal)));
        Assert.IsFalse(request.HadBearerToken);
        Assert.AreEqual(200, request.Status);
    }

    [TestMethod]
    public async Task UnknownProcess_404()
    {
        var ex = await Assert.ThrowsExactlyAsync<RequestFailedException>(() => Client().GetProcessAsync(new KuduTarget("contoso-shop", null, IsLinux: false), 4242));

        Assert.AreEqual(404, ex.Status);
    }

    // The Sandbox logs a request when its pipeline has finished, which can be just after the client
    // has read the last byte of the answer: wait for the entry instead of expecting it at once.
    private static async Task<AutoRemediate.Sandbox.LoggedRequest> LoggedAsync(Func<AutoRemediate.Sandbox.LoggedRequest, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            if (s_sandbox.Requests.Snapshot().LastOrDefault(match) is { } request)
            {
                return request;
            }

            Assert.IsTrue(DateTime.UtcNow < deadline, "the Sandbox never logged the request");
            await Task.Delay(20);
        }
    }

    private static async Task<long> CountAsync(Stream stream)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }
}
