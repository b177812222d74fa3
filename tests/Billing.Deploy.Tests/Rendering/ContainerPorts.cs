using k8s.Models;

namespace Billing.Deploy.Tests.Rendering;

/// <summary>A port as a Service, probe or policy names it: by number or by the container port's name.</summary>
public static class ContainerPorts
{
    public static V1ContainerPort? Resolve(V1Container container, IntOrString port) =>
        (container.Ports ?? []).FirstOrDefault(p => p.Name == port.Value || p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == port.Value);
}
