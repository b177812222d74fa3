using k8s.Models;

namespace Billing.Deploy.Tests.Rendering;

/// <summary>
/// Whether the rendered NetworkPolicies let a connection through, decided as Kubernetes does: a pod selected by no
/// policy of a direction is open in that direction; a selected one admits only what some rule of those policies allows.
/// Peers are pods of the namespace (labels) or addresses outside the cluster.
/// </summary>
public sealed class NetworkPolicies(IEnumerable<V1NetworkPolicy> policies)
{
    private readonly List<V1NetworkPolicy> _policies = policies.ToList();

    /// <summary>May a pod with <paramref name="from"/> labels open a connection to <paramref name="port"/> of a pod with <paramref name="to"/> labels (null: outside the cluster)?</summary>
    public bool Allows(IDictionary<string, string>? from, IDictionary<string, string>? to, int port) =>
        (from is null || EgressAllows(from, to, port)) && (to is null || IngressAllows(from, to, port));

    private bool EgressAllows(IDictionary<string, string> from, IDictionary<string, string>? to, int port)
    {
        var selecting = Selecting(from, "Egress");
        return selecting.Count == 0 || selecting.SelectMany(p => p.Spec.Egress ?? []).Any(rule =>
            PortMatches(rule.Ports, port) && (rule.To is null || rule.To.Any(peer => PeerMatches(peer, to))));
    }

    private bool IngressAllows(IDictionary<string, string>? from, IDictionary<string, string> to, int port)
    {
        var selecting = Selecting(to, "Ingress");
        return selecting.Count == 0 || selecting.SelectMany(p => p.Spec.Ingress ?? []).Any(rule =>
            PortMatches(rule.Ports, port) && (rule.FromProperty is null || rule.FromProperty.Any(peer => PeerMatches(peer, from))));
    }

    private List<V1NetworkPolicy> Selecting(IDictionary<string, string> labels, string direction) =>
        _policies.Where(p => Labels.Match(p.Spec.PodSelector, labels)
            && (p.Spec.PolicyTypes ?? (direction == "Ingress" ? ["Ingress"] : [])).Contains(direction)).ToList();

    private static bool PortMatches(IList<V1NetworkPolicyPort>? ports, int port) =>
        ports is null || ports.Any(p => p.Port is null || p.Port.Value == port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A pod peer of this namespace, or an address block for what lies outside the cluster.</summary>
    private static bool PeerMatches(V1NetworkPolicyPeer peer, IDictionary<string, string>? pod) =>
        pod is null
            ? peer.IpBlock is not null
            : peer.NamespaceSelector is null && peer.PodSelector is not null && Labels.Match(peer.PodSelector, pod);
}
