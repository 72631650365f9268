{{/* The objects' name: aws-node unless overridden. */}}
{{- define "vpc-cni.fullname" -}}
{{- default .Chart.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vpc-cni.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vpc-cni.labels" -}}
app.kubernetes.io/name: {{ include "vpc-cni.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: vpc-cni
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
k8s-app: aws-node
{{- end -}}

{{- define "vpc-cni.selectorLabels" -}}
k8s-app: aws-node
{{- end -}}

{{- define "vpc-cni.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "vpc-cni.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "vpc-cni.image" -}}
{{- if .Values.image.override -}}
{{- .Values.image.override -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag -}}
{{- end -}}
{{- end -}}

{{- define "vpc-cni.nodeAgentImage" -}}
{{- if .Values.nodeAgent.image.override -}}
{{- .Values.nodeAgent.image.override -}}
{{- else -}}
{{- printf "%s:%s" .Values.nodeAgent.image.repository .Values.nodeAgent.image.tag -}}
{{- end -}}
{{- end -}}
