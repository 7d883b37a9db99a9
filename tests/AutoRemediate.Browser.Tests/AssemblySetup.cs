using AutoRemediate.Testing;

namespace AutoRemediate.Browser.Tests;

[TestClass]
public static class AssemblySetup
{
    [AssemblyInitialize]
    public static async Task InitializeAsync(TestContext context)
    {
        await AzuriteFixture.StartAsync();
        await MailDevFixture.StartAsync();
    }

    [AssemblyCleanup]
    public static async Task CleanupAsync()
    {
        await MailDevFixture.StopAsync();
        await AzuriteFixture.StopAsync();
    }
}
