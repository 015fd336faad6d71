{{/* Names and labels. Object names are fixed (the operator's defaults: Lease, webhook configuration and
Service, certificate Secret), so one installation per cluster; the namespace is the release's. */}}
{{- define "tcra.name" -}}tcr-access-operator{{- end -}}

{{- define "tcra.labels" -}}
app.kubernetes.io/name: tcr-access-operator
app.kubernetes.io/part-of: tcr-access-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "tcra.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "tcra.subject" -}}
- kind: ServiceAccount
  name: {{ include "tcra.name" . }}
  namespace: {{ .Release.Namespace }}
{{- end -}}
