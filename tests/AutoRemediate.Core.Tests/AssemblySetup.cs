using AutoRemediate.Testing;

namespace AutoRemediate.Core.Tests;

[TestClass]
public static class AssemblySetup
{
    [AssemblyInitialize]
    public static Task InitializeAsync(TestContext context) => AzuriteFixture.StartAsync();

    [AssemblyCleanup]
    public static async Task CleanupAsync()
    {
        await MailDevFixture.StopAsync();
        await AzuriteFixture.StopAsync();
    }
}
