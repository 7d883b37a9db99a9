using AutoRemediate.Testing;

namespace AutoRemediate.DevHost.Tests;

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

    public static string OutputDirectory(string key) =>
        typeof(AssemblySetup).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
