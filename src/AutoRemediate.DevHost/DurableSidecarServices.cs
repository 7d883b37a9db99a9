using AutoRemediate.Workflow;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc;

namespace AutoRemediate.DevHost;

/// <summary>The in-process Durable sidecar over the Azure Storage backend, with a gRPC worker and client wired to it.</summary>
internal static class DurableSidecarServices
{
    /// <summary>
    /// Registers the sidecar (before the worker, so it listens when the worker connects), a worker running
    /// <paramref name="tasks"/> and a client, both serializing payloads as the Function App does.
    /// </summary>
    public static IServiceCollection AddDurableSidecar(this IServiceCollection services, string storage, string taskHub, int port, DurableTuning tuning, Action<DurableTaskRegistry> tasks)
    {
        services.AddSingleton(sp => new DurableSidecar(storage, taskHub, port, tuning, sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<DurableSidecar>());
        var address = $"http://127.0.0.1:{port}";
        services.AddDurableTaskWorker(b =>
        {
            b.UseGrpc(address);
            b.AddTasks(tasks);
        });
        services.AddDurableTaskClient(b =>
        {
            b.UseGrpc(address);
            b.RegisterDirectly();
        });
        // Payloads serialized as the Function App serializes them (its worker serializer uses the same options).
        services.Configure<DurableTaskWorkerOptions>(o => o.DataConverter = DurablePayloads.Converter);
        services.Configure<DurableTaskClientOptions>(o => o.DataConverter = DurablePayloads.Converter);
        return services;
    }
}
