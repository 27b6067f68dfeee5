#!/usr/bin/env bash
# Makes the webhook's serving certificate with openssl: a CA, and a certificate for the Service's
# DNS name signed by it; stores it as the Secret outrigger-injector-tls and puts the CA into both
# webhooks' caBundle. Run it again before the certificate expires (365 days): the injector serves
# the new files within seconds of the kubelet updating its volume (about a minute), without a
# restart; meanwhile the new caBundle does not yet trust the old certificate, so the script
# restarts the injector to shorten that window. With cert-manager, use a Certificate for the same DNS name and
# the cert-manager.io/inject-ca-from annotation (webhook.yaml) instead.
set -euo pipefail
namespace=outrigger-system
service=outrigger-injector
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -keyout "$dir/ca.key" -out "$dir/ca.crt" -subj "/CN=outrigger-injector-ca"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$dir/tls.key" -out "$dir/tls.csr" -subj "/CN=$service.$namespace.svc"
printf 'subjectAltName=DNS:%s.%s.svc,DNS:%s.%s.svc.cluster.local\nextendedKeyUsage=serverAuth\n' \
  "$service" "$namespace" "$service" "$namespace" > "$dir/ext"
openssl x509 -req -in "$dir/tls.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
  -days 365 -extfile "$dir/ext" -out "$dir/tls.crt"
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$namespace" create secret tls outrigger-injector-tls --cert="$dir/tls.crt" --key="$dir/tls.key" \
  --dry-run=client -o yaml | kubectl apply -f -
bundle=$(base64 -w0 < "$dir/ca.crt")
if kubectl get mutatingwebhookconfiguration outrigger-injector > /dev/null 2>&1; then
  for i in 0 1; do
    kubectl patch mutatingwebhookconfiguration outrigger-injector --type=json \
      -p "[{\"op\":\"replace\",\"path\":\"/webhooks/$i/clientConfig/caBundle\",\"value\":\"$bundle\"}]"
  done
  kubectl -n "$namespace" rollout restart deployment/outrigger-injector
else
  echo "apply manifests/injector/ first, then run this again to set the caBundle" >&2
fi
