-- C5 Cuidado da pessoa com hipertensão: one row per person and competência; the rule is the
-- doc block qualidade_c5 (_qualidade__docs.md).
{{ config(meta={'indicador': 'C5'}) }}

with

populacao as (

    select * from {{ ref('int_pessoas_competencias') }}
    where {{ escopo_municipio() }} and is_vinculado and is_hipertensao_ativa

),

{{ cuidado_continuado([
    {'nome': 'consulta', 'evento': 'consulta', 'meses': 6, 'pontos': 25,
     'pendencia': 'A: nenhuma consulta de médico ou enfermeiro nos últimos 6 meses'},
    {'nome': 'afericao_pa', 'evento': 'afericao_pa', 'meses': 6, 'pontos': 25,
     'pendencia': 'B: pressão arterial não aferida nos últimos 6 meses'},
    {'nome': 'antropometria', 'evento': 'antropometria', 'meses': 12, 'pontos': 25,
     'pendencia': 'C: peso e altura não registrados no mesmo dia nos últimos 12 meses'},
    {'nome': 'visitas', 'evento': 'visita', 'meses': 12, 'pontos': 25, 'visitas_30_dias': true,
     'credito_eap': true,
     'pendencia': 'D: menos de 2 visitas do ACS/TACS com 30 dias de intervalo em 12 meses'},
]) }}

select * from final
