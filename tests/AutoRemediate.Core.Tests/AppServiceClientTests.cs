using Azure;
using AutoRemediate.Azure;
using AutoRemediate.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Core.Tests;

/// <summary>The real ARM client, wired by AddAutoRemediate, against the Sandbox over HTTPS.</summary>
[TestClass]
public sealed class AppServiceClientTests
{
    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_sandbox.DisposeAsync();

    private static IAppServiceClient Client(SandboxFixture sandbox, Action<IServiceCollection>? tweak = null)
    {
        var services = new ServiceCollection();
        TestServices.AddCore(services, sandbox, TestServices.UniqueTables());
        tweak?.Invoke(services);
        return services.BuildServiceProvider().GetRequiredService<IAppServiceClient>();
    }

    [TestMethod]
    public async Task GetSite_Known_ReadsStatePlanAndHost()
    {
        var site = await Client(s_sandbox).GetSiteAsync(Samples.ShopSiteId);

        Assert.AreEqual("contoso-shop", site.Name);
        Assert.AreEqual("Running", site.State);
        Assert.AreEqual("app", site.Kind);
        Assert.AreEqual("contoso-shop.azurewebsites.net", site.DefaultHostName);
        StringAssert.EndsWith(site.ServerFarmId, "/serverfarms/plan-shop-prod");
        var request = s_sandbox.Requests.Snapshot().Last(r => r.Path.EndsWith("/sites/contoso-shop", StringComparison.Ordinal));
        Assert.IsTrue(request.HadBearerToken);
        StringAssert.Contains(request.Query, "api-version=2025-05-01");
    }

    [TestMethod]
    public async Task GetSite_Unknown_RequestFailedWith404()
    {
        var ex = await Assert.ThrowsExactlyAsync<RequestFailedException>(() =>
            Client(s_sandbox).GetSiteAsync(Samples.ShopSiteId.Replace("contoso-shop", "missing", StringComparison.Ordinal)));

        Assert.AreEqual(404, ex.Status);
        Assert.AreEqual("ResourceNotFound", ex.ErrorCode);
    }

    [TestMethod]
    public async Task GetSite_NotASiteId_ArgumentException()
    {
        await Assert.ThrowsExactlyAsync<ArgumentException>(() =>
            Client(s_sandbox).GetSiteAsync("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x"));
    }

    // The Sandbox certificate is trusted only because its thumbprint is pinned: another self-signed
    // certificate on loopback is refused, so the pin cannot be a blanket "accept anything".
    [TestMethod]
    public async Task GetSite_SandboxCertificateNotPinned_ConnectionRefused()
    {
        await using var other = await SandboxFixture.StartAsync();
        var client = Client(other, services => services.PostConfigure<AzureOptions>(o => o.SandboxCertificateThumbprint = s_sandbox.Thumbprint));

        var ex = await Assert.ThrowsAsync<Exception>(() => client.GetSiteAsync(Samples.ShopSiteId));

        Assert.IsTrue(ex is RequestFailedException or AggregateException, ex.ToString());
        Assert.IsFalse(other.Requests.Snapshot().Any(), "no request may reach an untrusted server");
    }
}
